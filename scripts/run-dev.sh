#!/usr/bin/env bash
# Started by `make run`: the CRM on http://$HOST:$PORT/ and, beside it, a Celery worker with
# embedded beat over the on-disk broker, so the scheduled jobs run without any server.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# Links in e-mails, 企业微信 and 钉钉 messages point where this server listens, unless SITE_URL
# is set (in the environment or in .env).
if [ -z "${SITE_URL:-}" ] && ! grep -qs '^SITE_URL=' .env; then
  export SITE_URL="http://${HOST}:${PORT}"
fi
mkdir -p var/celery/queue var/celery/processed var/log
.venv/bin/celery -A crm worker --beat --pool=solo --loglevel=INFO \
  --schedule var/celerybeat-schedule >var/log/celery.log 2>&1 &
CELERY_PID=$!
trap 'kill $CELERY_PID 2>/dev/null || true; wait $CELERY_PID 2>/dev/null || true' EXIT INT TERM
# Jobs that are due (on a fresh demo: all of them) run now, so reminders exist from the start.
$PY manage.py runjob --due
PASSWORD=$($PY -c "import os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','crm.settings');import django;django.setup();from django.conf import settings;print(settings.DEMO_PASSWORD)")
cat <<MSG

  客户管理系统 CRM is starting at  http://${HOST}:${PORT}/
  Scheduled jobs: Celery worker + beat (log: var/log/celery.log)

  Demo logins (password: ${PASSWORD})
    admin           管理员 administrator
    gm              总经办 general manager's office
    manager_east    业务经理 manager, 华东销售部
    manager_south   业务经理 manager, 华南销售部
    assistant_east  销售内勤 sales assistant, 华东销售部
    sales_east_1    业务员 salesperson, 华东销售部
    sales_east_2    业务员 salesperson, 华东销售部
    sales_south_1   业务员 salesperson, 华南销售部

MSG
$PY manage.py runserver "${HOST}:${PORT}"
