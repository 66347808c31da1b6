from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .digest import default_digest_time
from .forms import NotificationSettingsForm
from .kinds import GROUPS
from .models import NotificationProfile
from .preferences import preference_rows_for
from .services import PreferenceError, notification_preferences_save


@login_required
def notification_settings(request):
    """通知设置: per kind immediate or digest and the channels; the digest time."""
    rows = preference_rows_for(request.user)
    profile = NotificationProfile.objects.filter(user=request.user).first()
    current = profile.digest_time if profile else default_digest_time()
    form = NotificationSettingsForm(
        request.POST or None, rows=rows, initial={"digest_time": current.isoformat("minutes")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            notification_preferences_save(
                user=request.user, choices=form.choices(), digest_time=form.cleaned_data["digest_time"]
            )
        except PreferenceError:
            messages.error(request, _("These settings could not be saved; please check them."))
        else:
            messages.success(request, _("Notification settings saved."))
            return redirect("notification_settings")
    groups: dict[str, list] = {}
    for row in form.bound_rows():
        groups.setdefault(row["kind"].group, []).append(row)
    return render(
        request,
        "crm/notification_settings.html",
        {
            "form": form,
            "groups": [(GROUPS.get(g, g), items) for g, items in groups.items()],
            "has_wecom": bool(request.user.wecom_userid),
            "has_dingtalk": bool(request.user.dingtalk_userid),
        },
    )
