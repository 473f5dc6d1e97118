#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings.base")
    # manage.py is the developer's entry point: local commands run in the zero-setup demo mode unless
    # DJANGO_DEBUG says otherwise. Served processes (gunicorn via oms.wsgi, Celery via oms.celery)
    # default to DEBUG off and need the production settings.
    os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
