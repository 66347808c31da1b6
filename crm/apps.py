from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("System")

    def ready(self):
        from axes.signals import user_locked_out
        from django.apps import apps

        from .lockouts import lockout_notify
        from .models import policy_signals_connect

        policy_signals_connect(apps.get_models())

        # The locked-out person is told at once (crm.lockouts); axes only offers its signal.
        user_locked_out.connect(lockout_notify, dispatch_uid="crm_lockout_notify")
        # axes' admin section in Chinese: its app has no verbose name and no zh_Hans catalogue
        # (its model and field names are translated through ours: crm/admin_i18n.py).
        apps.get_app_config("axes").verbose_name = _("Log-in security")
        # Own words for axes' models: its "access log" is also the msgid of our 查阅记录.
        # (_meta only: the options migrations read, original_attrs, are untouched.)
        for model_name, singular, plural in (
            ("accessattempt", _("log-in attempt"), _("log-in attempts")),
            ("accessfailurelog", _("failed log-in"), _("failed log-ins")),
            ("accesslog", _("log-in record"), _("log-in records")),
        ):
            opts = apps.get_model("axes", model_name)._meta
            opts.verbose_name, opts.verbose_name_plural = singular, plural
