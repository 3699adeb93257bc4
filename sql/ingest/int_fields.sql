-- grain: one row per input record of one chunk
-- Names the unified fields (fields[] follows config.FIELDS; blank values count as missing)
-- and computes what depends on the record alone: the timestamp in UTC (its zone found once,
-- then read by each of the parser's tests), the URL's path and the click id it carries.
-- int_records then looks up what depends on a value (phones, keyed hashes, rules) once per
-- distinct value, scanning this table's columns. The record as text stays in jm_stg_input
-- (see jm_record_text): only rejected records and those without an event id need it.
-- Inputs: jm_stg_input (record_no, parse_error, fields, attr_values), $click_id_param,
-- $timestamp_format, $timezone.
with
input as (
    select * from jm_stg_input
),

named as (
    select
        record_no,
        parse_error,
        nullif(trim(fields[1]), '') as event_id,
        nullif(trim(fields[2]), '') as occurred_at_text,
        nullif(trim(fields[3]), '') as event_name,
        nullif(trim(fields[4]), '') as session_id,
        nullif(trim(fields[5]), '') as cookie_id,
        nullif(trim(fields[6]), '') as user_id,
        nullif(lower(trim(fields[7])), '') as email,
        nullif(trim(fields[8]), '') as phone_text,
        nullif(lower(ltrim(trim(fields[9]), '@')), '') as handle,
        coalesce(
            nullif(trim(fields[10]), ''), jm_url_param(fields[12], $click_id_param)
        ) as click_id,
        nullif(trim(fields[11]), '') as ip,
        nullif(trim(fields[12]), '') as url,
        nullif(trim(fields[13]), '') as referrer,
        nullif(trim(fields[14]), '') as user_agent,
        fields[15] as text,
        nullif(trim(fields[16]), '') as intent,
        nullif(trim(fields[17]), '') as interaction,
        nullif(trim(fields[18]), '') as csat,
        attr_values
    from input
),

zoned as (
    select
        *,
        case when $timestamp_format = 'iso8601' then jm_ts_zone(occurred_at_text) end as ts_zone,
        -- the click id the URL carries (hashed for the URL stored in events)
        jm_url_param(url, $click_id_param) as url_click_id,
        jm_url_path(url) as url_path
    from named
),

final as (
    select
        *,
        jm_parse_ts(occurred_at_text, ts_zone, $timestamp_format, $timezone) as occurred_at
    from zoned
)

select * from final
