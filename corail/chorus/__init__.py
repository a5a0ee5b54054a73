"""Chorus Pro in *mode service*: the API PISTE client (``client``), the streamed decoding of
downloaded pivots (``telechargement``) and the synchronisation service (``synchro``).
Qt-free; every network call goes through ``httpx`` with timeouts and retries."""
