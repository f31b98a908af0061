{#
    Identifier normalization shared by the staging models, so that the same
    person's identifiers compare equal across sources. Each macro returns NULL
    for a NULL or blank input.
#}

{# Trimmed, lower-cased text, or NULL when blank. #}
{% macro normalize_text(expr) -%}
    nullif(lower(trim({{ expr }})), '')
{%- endmacro %}

{# Trimmed, lower-cased email address. The address is not validated. #}
{% macro normalize_email(expr) -%}
    {{ rightpath.normalize_text(expr) }}
{%- endmacro %}

{# Lower-cased social handle without one leading '@'. #}
{% macro normalize_handle(expr) -%}
    nullif(
        case
            when trim({{ expr }}) like '@%' then lower(substr(trim({{ expr }}), 2))
            else lower(trim({{ expr }}))
        end,
        ''
    )
{%- endmacro %}

{#
    Phone number as its digits, prefixed with '+' when the input starts with
    '+'. NULL when the input has no digit.
    NOTE: numbers written with and without a country code stay different.
    Joining them needs parsing with a phone-number library.
#}
{% macro normalize_phone(expr) -%}
    case
        when {{ rightpath.regexp_replace_all(expr, '[^0-9]', '') }} = '' then null
        when trim({{ expr }}) like '+%'
            then {{ dbt.concat(["'+'", rightpath.regexp_replace_all(expr, '[^0-9]', '')]) }}
        else {{ rightpath.regexp_replace_all(expr, '[^0-9]', '') }}
    end
{%- endmacro %}

{#
    Lower-cased host of a URL without scheme, port, path, query and a leading
    'www.'. Accepts URLs with or without a scheme. NULL when blank.
#}
{% macro url_host(expr) -%}
    {%- set without_scheme -%}
        case
            when {{ expr }} like '%://%' then split_part({{ expr }}, '://', 2)
            else {{ expr }}
        end
    {%- endset -%}
    {%- set host_and_port -%}
        split_part(split_part(split_part({{ without_scheme }}, '/', 1), '?', 1), '#', 1)
    {%- endset -%}
    nullif(
        {{ rightpath.regexp_replace_all('lower(trim(split_part(' ~ host_and_port ~ ", ':', 1)))", '^www[.]', '') }},
        ''
    )
{%- endmacro %}
