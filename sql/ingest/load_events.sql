-- Stages the chunk's new events (staging_publish moves them into events). Pseudonymised: free
-- text, URLs, referrers, event names, intents, interactions and attribute values redacted
-- (click ids in URLs hashed or masked), the IP truncated to its network, the user agent
-- reduced to its class, CSAT kept only as a small number; identifiers appear only as keyed
-- hashes (identity_key, session_id). attributes leaves out the keys that have no value.
-- Texts come redacted from jm_stg_texts; the rest is
-- computed once per distinct value (a chunk repeats its pages, agents, networks and
-- attributes on many events) and joined back; each lookup scans only its columns of
-- jm_stg_new (a CTE referenced several times would be materialized whole).
-- Inputs: jm_stg_new, jm_stg_texts, $source, $channel, $load_id, $attr_names, $click_id_param.
insert into jm_staged_events
with
kept as (
    select * from jm_stg_new where not is_duplicate
),

texts as (
    select value, redacted from jm_stg_texts where kind = 'text'
),

-- a URL with its click id parameters masked, the source's own set to the keyed hash of the
-- click id the URL carries
urls as (
    select u.url, jm_mask_url_params(t.redacted, $click_id_param, u.n_url_click) as stored
    from (
        select distinct url, n_url_click from jm_stg_new
        where not is_duplicate and url is not null
    ) as u
    inner join texts as t on t.value = u.url
),

referrers as (
    select r.referrer, jm_mask_url_params(t.redacted, $click_id_param, null) as stored
    from (
        select distinct referrer from jm_stg_new where not is_duplicate and referrer is not null
    ) as r
    inner join texts as t on t.value = r.referrer
),

-- the configured attributes' members of the JSON object, once per distinct list of values
attribute_members as (
    select
        attr_values,
        jm_json_members($attr_names, jm_redact_list(attr_values)) as members
    from (
        select distinct attr_values from jm_stg_new
        where not is_duplicate and attr_values is not null
    ) as a
),

agents as (
    select user_agent, jm_user_agent_class(user_agent) as agent_class
    from (
        select distinct user_agent from jm_stg_new
        where not is_duplicate and user_agent is not null
    ) as d
),

-- an IP's network (IPv6 goes through Python)
networks as (
    select ip, jm_truncate_ip(ip) as ip_network
    from (select distinct ip from jm_stg_new where not is_duplicate and ip is not null) as d
),

final as (
    select
        e.kept_key as event_id,
        $source as source,
        $channel as channel,
        e.occurred_at,
        cast(null as varchar) as customer_id,
        e.touchpoint,
        name_text.redacted as event_name,
        e.n_session as session_id,
        -- a key with no value is left out: with its nulls a web row's JSON took about 300
        -- bytes where its values need 177, for every reader of it
        '{' || concat_ws(
            ',',
            jm_json_member('url', u.stored),
            jm_json_member('url_path', path_text.redacted),
            jm_json_member('referrer', r.stored),
            jm_json_member('user_agent', a.agent_class),
            jm_json_member('ip_network', n.ip_network),
            jm_json_member('intent', intent_text.redacted),
            jm_json_member('interaction', interaction_text.redacted),
            jm_json_member('csat', jm_csat(e.csat)),
            jm_json_member('text', free_text.redacted),
            o.members
        ) || '}' as attributes,
        e.identity_key,
        $load_id as load_id,
        e.record_no
    from kept as e
    left join urls as u on u.url = e.url
    left join referrers as r on r.referrer = e.referrer
    left join texts as name_text on name_text.value = e.event_name
    left join texts as path_text on path_text.value = e.url_path
    left join texts as intent_text on intent_text.value = e.intent
    left join texts as interaction_text on interaction_text.value = e.interaction
    left join texts as free_text on free_text.value = e.text
    left join attribute_members as o on o.attr_values = e.attr_values
    left join agents as a on a.user_agent = e.user_agent
    left join networks as n on n.ip = e.ip
)

select * from final
