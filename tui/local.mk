# tui/: the ncursesw translation app (built only when configure found ncursesw).
