"""The courier at the door (development only): the sender tells a simulated courier the pickup code.

A carrier that requires the pickup code (DESIGN §3.2) collects only when the sender says it at the
door; the code is never sent to carriers. In the demo, this page plays that moment: it lists the
orders whose simulated courier is waiting, and the code typed here is what the courier heard. The
platform checks it as it checks any courier's (a wrong one is refused and the courier keeps waiting).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from simulator import script

PICKED_UP = "picked_up"


@login_required
@require_http_methods(["GET", "POST"])
def door(request):
    if request.method == "POST":
        number = request.POST.get("number", "").strip()
        code = request.POST.get("pickup_code", "").strip()
        if not number or not code:
            messages.error(request, _("Enter the order number and the pickup code."))
            return redirect("simulator:door")
        handed = script.hand_over(number=number, pickup_code=code)
        if handed is None:
            messages.error(
                request, _("No simulated courier is working order %(number)s.") % {"number": number}
            )
        elif handed[1].status == PICKED_UP:
            messages.success(request, _("The courier collected order %(number)s.") % {"number": number})
        else:
            messages.error(
                request,
                _("The courier could not collect order %(number)s: check the pickup code on the order page.")
                % {"number": number},
            )
        return redirect("simulator:door")
    return render(request, "simulator/door.html", {"waiting": script.at_the_door()})
