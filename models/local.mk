# models/: one file per architecture, the known-model registry and the default-model fetcher.
dist_pkgdata_SCRIPTS = models/fetch-model.sh
