"""The filters every report takes: a date range, a channel and the period of the trend (day, week, month).

A bad date, a range the wrong way round, a range longer than REPORT_RANGE_MAX_DAYS or a channel that does not
exist is a message naming the field; the page then shows the default range, never a 500.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone

from oms.bounds import REPORT_DAILY_MAX_DAYS, REPORT_DATE_MAX, REPORT_DATE_MIN, REPORT_RANGE_MAX_DAYS
from orders.models import Channel

PERIODS = (("day", "Day"), ("week", "Week"), ("month", "Month"))
DEFAULT_DAYS = 90


@dataclass(frozen=True)
class Filters:
    since: date
    until: date  # inclusive
    channel_id: int | None = None
    period: str = "week"

    @property
    def start(self) -> datetime:
        """The first instant of `since` in the shop's time zone (timestamps are compared, not dates)."""
        return timezone.make_aware(datetime.combine(self.since, time.min))

    @property
    def end(self) -> datetime:
        """The first instant after `until`: ranges are half-open, so a whole last day is included."""
        return timezone.make_aware(datetime.combine(self.until + timedelta(days=1), time.min))

    def query(self) -> dict[str, str]:
        """The query string that shows these filters again (for links and the CSV download)."""
        query = {"from": self.since.isoformat(), "to": self.until.isoformat(), "period": self.period}
        if self.channel_id:
            query["channel"] = str(self.channel_id)
        return query


def default_filters() -> Filters:
    today = timezone.localdate()
    return Filters(since=today - timedelta(days=DEFAULT_DAYS - 1), until=today)


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.order_by("name"), label="Channel", required=False, empty_label="All channels"
    )
    period = forms.ChoiceField(label="Per", choices=PERIODS, required=False)

    def __init__(self, data=None, **kwargs):
        # Links say from/to (short, readable); the form itself submits its fields' names (date_from/date_to).
        if data is not None:
            data = {
                "date_from": data.get("from") or data.get("date_from", ""),
                "date_to": data.get("to") or data.get("date_to", ""),
                "channel": data.get("channel", ""),
                "period": data.get("period", ""),
            }
        else:  # the page opened without filters shows what it uses: the default range, per week
            default = default_filters()
            initial = {"date_from": default.since, "date_to": default.until, "period": default.period}
            kwargs.setdefault("initial", initial)
        super().__init__(data, **kwargs)
        self.fields["date_from"].widget.attrs.update(min=REPORT_DATE_MIN.isoformat(), max=REPORT_DATE_MAX.isoformat())
        self.fields["date_to"].widget.attrs.update(min=REPORT_DATE_MIN.isoformat(), max=REPORT_DATE_MAX.isoformat())

    def _clean_day(self, name: str):
        value = self.cleaned_data.get(name)
        if value is not None and not REPORT_DATE_MIN <= value <= REPORT_DATE_MAX:
            raise forms.ValidationError(
                f"Enter a date between {REPORT_DATE_MIN.isoformat()} and {REPORT_DATE_MAX.isoformat()}."
            )
        return value

    def clean_date_from(self):
        return self._clean_day("date_from")

    def clean_date_to(self):
        return self._clean_day("date_to")

    def clean(self):
        data = super().clean()
        default = default_filters()
        since, until = data.get("date_from"), data.get("date_to")
        if "date_from" in self.errors or "date_to" in self.errors:
            return data
        until = until or (since + timedelta(days=DEFAULT_DAYS - 1) if since else default.until)
        since = since or until - timedelta(days=DEFAULT_DAYS - 1)
        if until < since:
            self.add_error("date_to", "The end date is before the start date.")
        elif (until - since).days + 1 > REPORT_RANGE_MAX_DAYS:
            self.add_error("date_to", f"A report covers at most {REPORT_RANGE_MAX_DAYS} days; choose a shorter range.")
        elif data.get("period") == "day" and (until - since).days + 1 > REPORT_DAILY_MAX_DAYS:
            self.add_error("period", f"Per day covers at most {REPORT_DAILY_MAX_DAYS} days; choose weeks or months.")
        data["date_from"], data["date_to"] = since, until
        return data

    def filters(self) -> Filters:
        """The valid filters, or the defaults when the form has errors (the page shows them beside)."""
        if not self.is_bound or not self.is_valid():
            return default_filters()
        data = self.cleaned_data
        channel = data.get("channel")
        return Filters(
            since=data["date_from"],
            until=data["date_to"],
            channel_id=channel.pk if channel else None,
            period=data.get("period") or "week",
        )
