{#
    Identifier columns read from each staging model, with the raw table and
    column that hold the value as landed: (source, staging model, raw table,
    record key, record time, identifier type, staged column, raw column).
    Outbound social posts are left out because brand accounts write them.
    A record can carry two identifiers of one type (an alias event has two
    user ids), so an observation is keyed by its staged column.
#}
{%- set identifier_columns = [
    ('web', 'stg_web__events', 'web_events', 'event_id', 'occurred_at', 'cookie', 'anonymous_id', 'anonymous_id'),
    ('web', 'stg_web__events', 'web_events', 'event_id', 'occurred_at', 'user_id', 'user_id', 'user_id'),
    ('web', 'stg_web__events', 'web_events', 'event_id', 'occurred_at', 'user_id', 'previous_id', 'previous_id'),
    ('web', 'stg_web__events', 'web_events', 'event_id', 'occurred_at', 'email', 'email', 'email'),
    ('web', 'stg_web__events', 'web_events', 'event_id', 'occurred_at', 'phone', 'phone', 'phone'),
    ('email', 'stg_email__events', 'email_events', 'event_id', 'occurred_at', 'email', 'email', 'email'),
    ('social', 'stg_social__posts', 'social_posts', 'post_id', 'posted_at', 'handle', 'author_handle', 'author_handle'),
    ('support', 'stg_support__tickets', 'support_tickets', 'ticket_id', 'created_at', 'requester_id', 'requester_id', 'requester_id'),
    ('support', 'stg_support__tickets', 'support_tickets', 'ticket_id', 'created_at', 'email', 'requester_email', 'requester_email'),
    ('support', 'stg_support__tickets', 'support_tickets', 'ticket_id', 'created_at', 'phone', 'requester_phone', 'requester_phone'),
    ('support', 'stg_support__tickets', 'support_tickets', 'ticket_id', 'created_at', 'handle', 'requester_handle', 'requester_handle'),
    ('shop', 'stg_shop__orders', 'orders', 'order_id', 'ordered_at', 'shop_customer', 'shop_customer_id', 'customer_id'),
    ('shop', 'stg_shop__orders', 'orders', 'order_id', 'ordered_at', 'email', 'email', 'email'),
    ('shop', 'stg_shop__orders', 'orders', 'order_id', 'ordered_at', 'phone', 'phone', 'phone'),
] -%}
{%- set staging_models = {
    'stg_web__events': 'web_events',
    'stg_email__events': 'email_events',
    'stg_social__posts': 'social_posts',
    'stg_support__tickets': 'support_tickets',
    'stg_shop__orders': 'orders',
} -%}

with

{% for staging_model, raw_table in staging_models.items() %}
{{ staging_model }} as (

    select * from {{ ref(staging_model) }}

),

raw_{{ raw_table }} as (

    select * from {{ source('raw', raw_table) }}

),

{% endfor %}
phone_normalizations as (

    select * from {{ identity_optional_source('raw', 'phone_normalizations', [
        ('phone_raw', dbt.type_string()),
        ('phone_e164', dbt.type_string()),
    ]) }}

),

identity_blocklist as (

    select * from {{ ref('identity_blocklist') }}

),

-- Staging keeps the first landed copy of each record with its _file and
-- _line, which find the raw row and so the identifier as it was landed.
observations as (

    {% for source_name, staging_model, raw_table, record_key, record_time, identifier_type, staged_column, raw_column in identifier_columns %}
    select
        '{{ source_name }}' as source,
        staged.{{ record_key }} as record_key,
        staged.{{ record_time }} as observed_at,
        {%- if staged_column == 'previous_id' %}
        -- Segment fills previousId with the anonymous id when no user id came
        -- before, and then it is the record's cookie.
        -- NOTE: a previousId that is the anonymous id of another record is
        -- typed user_id and so does not meet that record's cookie.
        case
            when staged.previous_id = staged.anonymous_id then 'cookie'
            else '{{ identifier_type }}'
        end as identifier_type,
        {%- else %}
        '{{ identifier_type }}' as identifier_type,
        {%- endif %}
        '{{ staged_column }}' as identifier_column,
        staged.{{ staged_column }} as staged_value,
        coalesce(landed.{{ raw_column }}, staged.{{ staged_column }}) as identifier_value_raw

    from {{ staging_model }} as staged
    left join raw_{{ raw_table }} as landed
        on staged._file = landed._file
        and staged._line = landed._line
    where staged.{{ staged_column }} is not null
    {%- if staging_model == 'stg_social__posts' %}
        and staged.is_inbound
    {%- endif %}
    {% if not loop.last %}
    union all
    {% endif %}
    {% endfor %}

),

-- Phones take the E.164 form that the phone_normalizations asset parsed from
-- the raw value. Without it (asset not run, or unparseable) the staged form
-- stays: the digits, with '+' when the raw value had one.
normalized as (

    select
        observations.source,
        observations.record_key,
        observations.observed_at,
        observations.identifier_type,
        observations.identifier_column,
        observations.identifier_value_raw,
        case
            when observations.identifier_type = 'phone'
                then coalesce(phone_normalizations.phone_e164, observations.staged_value)
            else observations.staged_value
        end as identifier_value

    from observations
    left join phone_normalizations
        on observations.identifier_type = 'phone'
        and observations.identifier_value_raw = phone_normalizations.phone_raw

),

final as (

    select
        {{ dbt.concat(['normalized.source', "':'", 'normalized.record_key', "':'", 'normalized.identifier_column']) }}
            as identifier_observation_id,
        normalized.source,
        normalized.record_key,
        normalized.observed_at,
        normalized.identifier_type,
        normalized.identifier_column,
        normalized.identifier_value,
        normalized.identifier_value_raw,
        {{ dbt.concat(['normalized.identifier_type', "':'", 'normalized.identifier_value']) }}
            as identifier_key,
        {{ identity_priority('normalized.identifier_type') }} as identifier_priority,
        case when identity_blocklist.identifier_value is not null then true else false end
            as is_blocked,
        identity_blocklist.reason as block_reason

    from normalized
    left join identity_blocklist
        on normalized.identifier_type = identity_blocklist.identifier_type
        and normalized.identifier_value = identity_blocklist.identifier_value

)

select * from final
