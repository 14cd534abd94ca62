"""gunicorn settings for `make run` (and a starting point for production).

The access log records the path without its query string (``%(U)s``, never ``%(r)s`` or
``%(q)s``): staff search and the paper-certificate check carry ID numbers and names there.
"""

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
