# ruff: noqa: E501  (template text: its lines are as long as the HTML needs)
"""Default texts and rows of invoicing, installed by data migrations and restored by "reset to default".

The invoice template renders in the restricted engine of the e-mail templates (no loaders, no tag
libraries, autoescape on, plain JSON data): a customer's text can never become markup, and an image can
only come from the static files (oms.pdf's fetcher refuses the rest).
"""

# code, name, kind, days, discount percent, discount days, portions [(percent, days)]
DEFAULT_TERMS = [
    ("immediate", "Immediate", "immediate", 0, "0", 0, []),
    ("net_14", "Net 14 days", "net_days", 14, "0", 0, []),
    ("net_30", "Net 30 days", "net_days", 30, "0", 0, []),
    ("net_60", "Net 60 days", "net_days", 60, "0", 0, []),
    ("eom_30", "30 days after the end of the invoice month", "end_of_month", 30, "0", 0, []),
    ("on_fulfilment", "Due on fulfilment", "on_fulfilment", 0, "0", 0, []),
    ("deposit_30", "30 % deposit now, the rest Net 30", "schedule", 0, "0", 0, [("30.00", 0), ("70.00", 30)]),
    ("net_30_2_10", "Net 30, 2 % discount within 10 days", "net_days", 30, "2.00", 10, []),
]

INVOICE_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ invoice.title }} {{ invoice.number }}</title>
<style>
  .head { display: flex; justify-content: space-between; margin-bottom: 8mm; }
  .logo { max-height: 18mm; max-width: 60mm; }
  .shop { text-align: right; font-size: 8.5pt; white-space: pre-line; }
  .parties { display: flex; justify-content: space-between; margin-bottom: 6mm; }
  .billto { white-space: pre-line; }
  .facts td { border: none; padding: 0.5mm 2mm; }
  .totals { width: 45%; margin-left: auto; margin-top: 4mm; }
  .totals td { border: none; }
  .totals .grand td { font-weight: bold; font-size: 11pt; border-top: 1px solid #111827; }
  .box { border: 1px solid #d1d5db; padding: 3mm; margin-top: 6mm; }
  .credit { color: #991b1b; }
</style></head>
<body>
<div class="head">
  <div>{% if shop.logo_url %}<img class="logo" src="{{ shop.logo_url }}" alt="">{% endif %}
    <h1 class="{% if invoice.is_credit %}credit{% endif %}">{{ invoice.title }}</h1></div>
  <div class="shop"><strong>{{ shop.name }}</strong>
{{ shop.address }}{% if shop.vat_number %}
VAT {{ shop.vat_number }}{% endif %}</div>
</div>
<div class="parties">
  <div class="billto"><strong>Bill to</strong>
{{ invoice.bill_to }}</div>
  <table class="facts" style="width:auto">
    <tr><td>Number</td><td><strong>{{ invoice.number }}</strong></td></tr>
    <tr><td>Issue date</td><td>{{ invoice.issue_date }}</td></tr>
    {% if invoice.credit_for %}<tr><td>Credits invoice</td><td>{{ invoice.credit_for }}</td></tr>{% endif %}
    <tr><td>Order</td><td>{{ invoice.orders }}</td></tr>
    {% if not invoice.is_credit %}<tr><td>Terms</td><td>{{ invoice.terms }}</td></tr>
    <tr><td>Due date</td><td>{{ invoice.due_date|default:"on fulfilment" }}</td></tr>{% endif %}
  </table>
</div>
<table>
  <thead><tr><th>SKU</th><th>Description</th><th class="num">Qty</th><th class="num">Unit price</th>
  <th class="num">Discount</th><th class="num">Tax</th><th class="num">Amount</th></tr></thead>
  <tbody>{% for line in lines %}
  <tr><td>{{ line.sku }}</td><td>{{ line.name }}{% if line.order %} <span class="muted">({{ line.order }})</span>{% endif %}</td>
  <td class="num">{{ line.quantity }}</td><td class="num">{{ line.unit_price }}</td>
  <td class="num">{% if line.discount != "0.00" %}{{ line.discount }}{% endif %}</td>
  <td class="num">{{ line.tax_rate }} %</td><td class="num">{{ line.gross }}</td></tr>{% endfor %}
  </tbody>
</table>
<table class="totals">
  {% for rate in tax_summary %}<tr><td>Tax {{ rate.rate }} % on {{ rate.net }}</td><td class="num">{{ rate.tax }}</td></tr>{% endfor %}
  <tr><td>Total excl. tax</td><td class="num">{{ invoice.total_net }}</td></tr>
  <tr><td>Total tax</td><td class="num">{{ invoice.total_tax }}</td></tr>
  <tr class="grand"><td>{% if invoice.is_credit %}Credited{% else %}Total{% endif %} {{ invoice.currency }}</td><td class="num">{{ invoice.total_gross }}</td></tr>
</table>
{% if instalments %}<div class="box"><strong>Payment schedule</strong>
  <table>{% for part in instalments %}<tr><td>Due {{ part.due_date }}</td><td class="num">{{ invoice.currency }} {{ part.amount }}</td></tr>{% endfor %}</table></div>{% endif %}
{% if invoice.discount_percent %}<p>Pay by {{ invoice.discount_until }} and deduct {{ invoice.discount_percent }} % early-payment discount.</p>{% endif %}
{% if invoice.note %}<p style="white-space: pre-line">{{ invoice.note }}</p>{% endif %}
{% if pay_url and not invoice.is_credit %}<div class="box">Pay online: {{ pay_url }}</div>{% endif %}
</body></html>
"""

INVOICE_EMAIL = {
    "subject": "{{ invoice.title }} {{ invoice.number }} from {{ shop_name }}",
    "body_text": (
        "Dear {{ customer_name }},\n\n"
        "Please find attached {{ invoice.title|lower }} {{ invoice.number }} for order {{ invoice.orders }}: "
        "{{ invoice.currency }} {{ invoice.total_gross }}.\n"
        "{% if not invoice.is_credit %}Due date: {{ invoice.due_date|default:'on fulfilment' }}.\n"
        "{% if pay_url %}Pay online: {{ pay_url }}\n{% endif %}{% endif %}"
        "{% if extra_note %}\n{{ extra_note }}\n{% endif %}\n"
        "Kind regards,\n{{ shop_name }}\n"
    ),
    "body_html": (
        "<p>Dear {{ customer_name }},</p>"
        "<p>Please find attached {{ invoice.title|lower }} <strong>{{ invoice.number }}</strong> for order "
        "{{ invoice.orders }}: {{ invoice.currency }} {{ invoice.total_gross }}.</p>"
        "{% if not invoice.is_credit %}<p>Due date: {{ invoice.due_date|default:'on fulfilment' }}.</p>"
        '{% if pay_url %}<p><a href="{{ pay_url }}">Pay online</a></p>{% endif %}{% endif %}'
        "{% if extra_note %}<p>{{ extra_note|linebreaksbr }}</p>{% endif %}"
        "<p>Kind regards,<br>{{ shop_name }}</p>"
    ),
}
