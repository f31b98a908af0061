{#
    Campaign names as the marts report and match them. campaign_name trims
    the name and reports NULL or blank names as '(none)'. campaign_key is
    that name in lower case, the key on which ad spend, touches, sessions
    and credits of one campaign are matched.
#}
{% macro campaign_name(expression) -%}
    coalesce(nullif(trim({{ expression }}), ''), '(none)')
{%- endmacro %}

{% macro campaign_key(expression) -%}
    lower({{ campaign_name(expression) }})
{%- endmacro %}
