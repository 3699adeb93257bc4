-- Stages the chunk's new events (staging_publish moves them into events). Attributes are pseudonymised: free text, URLs and attribute
-- values redacted, the IP truncated to its network; identifiers appear only as identity_key.
-- Inputs: jm_stg_new, $source, $channel, $load_id, $attr_names.
insert into jm_internal.staged_events
select
    kept_key as event_id,
    $source as source,
    $channel as channel,
    occurred_at,
    cast(null as varchar) as customer_id,
    touchpoint,
    event_name,
    session_id,
    jm_json_object(
        list_concat(
            ['url', 'url_path', 'referrer', 'user_agent', 'ip_network', 'intent', 'interaction',
             'csat', 'text'],
            $attr_names
        ),
        list_concat(
            [jm_redact(url), jm_redact(url_path), jm_redact(referrer), user_agent,
             jm_truncate_ip(ip), intent, interaction, csat, jm_redact(text)],
            coalesce(jm_redact_list(attr_values), [])
        )
    ) as attributes,
    identity_key,
    $load_id as load_id,
    record_no
from jm_stg_new
where not is_duplicate
