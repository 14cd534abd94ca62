"""The government service platform (一体化平台), our side: the relay that delivers each step of a
connected case (``relay``), the HTTP client it speaks through (``client``), and what staff and the
command line see and do with the outbox — status, dead letters, sending one again, reconciling with
what the platform holds (``outbox``)."""
