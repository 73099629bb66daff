# models/: one file per architecture, the known-model registry and the default-model fetcher.
