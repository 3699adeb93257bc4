-- DuckDB-specific functions live here and only here, behind portable names, so the models
-- can be ported to another engine (Spark SQL has equivalents for each) by rewriting this file.
-- Temporary macros: defined on every connection journeymine opens, never stored in the file.

-- Keyed hash: HMAC-SHA256(key, value) as hex, where $ipad / $opad are the key XOR-ed with the
-- HMAC pads (computed from the secret in Python and bound, never written into SQL text).
create or replace temp macro jm_hmac(value, ipad_hex, opad_hex) as
    sha256(unhex(opad_hex) || unhex(sha256(unhex(ipad_hex) || encode(value))));

-- The zone abbreviations journeymine reads, as the fixed offsets they stand for. Ambiguous
-- ones (IST: India, Ireland or Israel; BST is read as British Summer Time) and any other
-- word are refused: a timestamp must not be guessed.
create or replace temp macro jm_tz_abbreviation_offset(abbr) as
    case upper(abbr)
        when 'UTC' then '+00:00' when 'GMT' then '+00:00'
        when 'WET' then '+00:00' when 'WEST' then '+01:00' when 'BST' then '+01:00'
        when 'CET' then '+01:00' when 'CEST' then '+02:00'
        when 'EET' then '+02:00' when 'EEST' then '+03:00'
        when 'EST' then '-05:00' when 'EDT' then '-04:00'
        when 'CST' then '-06:00' when 'CDT' then '-05:00'
        when 'MST' then '-07:00' when 'MDT' then '-06:00'
        when 'PST' then '-08:00' when 'PDT' then '-07:00'
        when 'AKST' then '-09:00' when 'AKDT' then '-08:00' when 'HST' then '-10:00'
        when 'JST' then '+09:00' when 'AEST' then '+10:00' when 'AEDT' then '+11:00'
    end;

-- The zone written after an ISO 8601 time: Z, an offset, an IANA name (Europe/Paris) or a
-- word; '' when there is none.
create or replace temp macro jm_ts_zone(t) as
    regexp_extract(
        t,
        '[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?\s*([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?|[A-Za-z]+(?:/[A-Za-z0-9_+-]+)+|[A-Za-z]{1,5})$',
        1
    );

-- Is an offset such as +05:30 one the world uses (-12:00 to +14:00, minutes under 60)?
create or replace temp macro jm_ts_offset_valid(z) as
    cast(substr(z, 2, 2) as integer) <= 14
    and coalesce(try_cast(nullif(regexp_extract(z, '[0-9]{2}:?([0-9]{2})$', 1), '') as integer), 0)
        < 60;

-- A local time in zone tz as UTC; null when the clocks skip it (a daylight-saving gap).
create or replace temp macro jm_local_to_utc(ts, tz) as
    case
        when ts is null then null
        when timezone(tz, timezone(tz, ts)) = ts then cast(timezone(tz, ts) as timestamp)
    end;

-- ISO 8601 text t with its zone part z, to UTC; naive times are read in tz.
create or replace temp macro jm_parse_iso(t, z, tz) as
    case
        when z = '' then jm_local_to_utc(try_cast(t as timestamp), tz)
        when regexp_matches(z, '^[+-]') and not jm_ts_offset_valid(z) then null
        when regexp_matches(z, '^([Zz]|[+-].*|.*/.*)$')
            then cast(try_cast(t as timestamptz) as timestamp)
        when jm_tz_abbreviation_offset(z) is not null
            then cast(
                try_cast(
                    rtrim(left(t, length(t) - length(z))) || jm_tz_abbreviation_offset(z)
                    as timestamptz
                ) as timestamp
            )
    end;

-- Parse a timestamp to UTC. t: the text, trimmed; z: its zone, jm_ts_zone(t) (computed once by
-- the caller: an argument used several times is copied into each place). fmt: 'iso8601' (Z,
-- offsets, IANA zone names and the abbreviations above honoured; naive times read in tz),
-- 'epoch_s', 'epoch_ms', or a strptime pattern (read in tz). Null when it cannot be parsed,
-- when its offset is impossible, its zone unknown, or a naive time falls in a daylight-saving
-- gap.
create or replace temp macro jm_parse_ts(t, z, fmt, tz) as
    case
        when t is null then null
        when fmt = 'epoch_ms' then try(make_timestamp(try_cast(t as bigint) * 1000))
        when fmt = 'epoch_s' then try(make_timestamp(try_cast(t as bigint) * 1000000))
        when fmt = 'iso8601' then jm_parse_iso(t, z, tz)
        else cast(timezone(tz, try_strptime(t, fmt)) as timestamp)
    end;

-- Why an ISO 8601 timestamp text t (trimmed, with its zone z = jm_ts_zone(t)) that did not
-- parse was refused, in words; null otherwise.
create or replace temp macro jm_ts_problem(t, z, fmt, tz) as
    case
        when fmt <> 'iso8601' or t is null then null
        when regexp_matches(z, '^[+-]') and not jm_ts_offset_valid(z)
            then 'the offset ' || z || ' is impossible (offsets run from -12:00 to +14:00)'
        when z = '' and try_cast(t as timestamp) is not null
            then 'that time does not exist in ' || tz || ' (the clocks skip it for daylight '
                || 'saving)'
        when regexp_matches(z, '^[A-Za-z]+$')
            and upper(z) <> 'Z'
            and jm_tz_abbreviation_offset(z) is null
            then 'the zone ' || z || ' is not one journeymine reads '
                || '(allowed: Z, offsets, IANA names such as Europe/Paris, and UTC GMT WET WEST '
                || 'BST CET CEST EET EEST EST EDT CST CDT MST MDT PST PDT AKST AKDT HST JST AEST '
                || 'AEDT)'
        when regexp_matches(z, '/')
            then 'the zone ' || z || ' is not a known IANA time zone'
    end;

-- A record in one canonical form: a JSON document as its leaves (path=value, in path order),
-- so that key order and spacing do not change it; other text as it is.
create or replace temp macro jm_canonical_record(doc) as
    coalesce(
        (
            select string_agg(fullkey || '=' || atom, chr(31) order by fullkey)
            from json_tree(case when coalesce(json_valid(doc), false) then doc else 'null' end)
            where atom is not null
        ),
        doc
    );

-- Field i (1-based) of a JSON document, as text; paths come as a bound list.
create or replace temp macro jm_json_fields(doc, paths) as json_extract_string(doc, paths);

-- Is the text a JSON document?
create or replace temp macro jm_json_valid(doc) as coalesce(json_valid(doc), false);

-- An object of (name, value) pairs as JSON text (names given as a list, unique).
create or replace temp macro jm_json_object(names, vals) as
    cast(to_json(map(names, vals)) as varchar);

-- A record as text: raw (a JSON line, or a line the parser rejected) or, for a CSV or Parquet
-- row, its columns (names) as a JSON object, their values picked from the row's lists of
-- fields and attributes at the 1-based positions given.
create or replace temp macro jm_record_text(raw, fields, attr_values, names, positions) as
    coalesce(
        raw,
        jm_json_object(names, list_select(list_concat(fields, attr_values), positions))
    );

-- A JSON object's member "name":"value" as text, or null when the value is null: an object
-- written as '{' || concat_ws(',', member, ...) || '}' leaves out the keys with no value
-- (events.attributes). Each argument is used once.
create or replace temp macro jm_json_member(name, value) as
    cast(to_json(name) as varchar) || ':' || cast(to_json(value) as varchar);

-- The members of (name, value) pairs given as two lists, comma-separated, those with a null
-- value left out; null when every value is.
create or replace temp macro jm_json_members(names, vals) as
    nullif(array_to_string(
        list_transform(list_zip(names, vals), lambda p: jm_json_member(p[1], p[2])), ','
    ), '');

-- Replace every match of a pattern (the engine's default is the first match only).
create or replace temp macro jm_replace_all(s, pattern, replacement) as
    regexp_replace(s, pattern, replacement, 'g');

-- The JSON path of top-level key `key`.
create or replace temp macro jm_json_path(key) as '$."' || replace(key, '"', '\"') || '"';

-- The value of top-level key `key` of a JSON object, as text.
create or replace temp macro jm_json_get(doc, key) as json_extract_string(doc, jm_json_path(key));

-- The values of top-level keys `keys` of a JSON object, as a list of texts in the keys'
-- order: the document is parsed once for all of them. `keys` must be constant in the
-- statement (a literal or a bound parameter). On Spark:
-- transform(keys, k -> get_json_object(doc, concat('$.', k))).
create or replace temp macro jm_json_get_all(doc, keys) as
    json_extract_string(doc, list_transform(keys, lambda k: jm_json_path(k)));

-- The element of list xs at the place of `key` in list `keys`. On Spark:
-- element_at(xs, array_position(keys, key)).
create or replace temp macro jm_list_pick(xs, keys, key) as xs[list_position(keys, key)];

-- Is the text a JSON object (not an array, string or number)?
create or replace temp macro jm_json_is_object(doc) as
    coalesce(json_type(case when json_valid(doc) then doc else 'null' end) = 'OBJECT', false);

-- PII. Free text is decoded before it is scanned: percent-encoding (twice, for a value
-- encoded again inside a URL parameter) and JSON \uXXXX escapes. Text with no escape is
-- scanned as it is.

-- JSON \uXXXX escapes decoded (an escape that is no character, such as half a surrogate
-- pair, is dropped). The text is split at every backslash-u; a part that starts with four hex
-- digits is such an escape, any other part gets its backslash-u back. Each argument is used
-- once: a macro's argument is copied into every place it appears, and nested macros that use
-- one several times grow the statement DuckDB has to plan exponentially.
create or replace temp macro jm_json_unescape(s) as
    array_to_string(list_transform(
        string_split(s, '\u'),
        lambda part, i: case
            when i = 1 then part
            when regexp_matches(part, '^[0-9a-fA-F]{4}')
                then coalesce(try(chr(cast('0x' || left(part, 4) as integer))), '')
                    || substr(part, 5)
            else '\u' || part
        end
    ), '');

-- Percent-encoding decoded. A text whose bytes are no UTF-8 once decoded (a Latin-1 export's
-- %E9 for é) no longer fails the whole load: each of its percent-encoded non-ASCII bytes
-- becomes U+FFFD (valid sequences in the same text too: %C3%A9 gives two), and its ASCII
-- (%40 for @) is still decoded for redaction to read. The text is bound once, in a lambda: a macro copies an argument into
-- each place it is used, and jm_decode nests three of these (eight copies of its argument
-- made every statement that redacts slower to plan).
create or replace temp macro jm_url_decode(s) as
    list_transform([s], lambda x: coalesce(
        try(url_decode(x)),
        url_decode(regexp_replace(x, '%[89A-Fa-f][0-9A-Fa-f]', '%EF%BF%BD', 'g'))
    ))[1];

-- Percent-encoding and JSON escapes decoded, in the orders an export can nest them.
create or replace temp macro jm_decode(s) as
    jm_json_unescape(jm_url_decode(jm_url_decode(jm_json_unescape(jm_url_decode(s)))));

-- Does the text hold a percent-encoded byte or a JSON escape?
create or replace temp macro jm_is_encoded(s) as
    regexp_matches(s, '%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}');

-- Emails, IP addresses (IPv4; IPv6 full, compressed and IPv4-mapped), phone numbers and
-- @handles replaced, in that order, in text that is already decoded. Phone numbers: E.164
-- and international (+ or 00, separators space . - ( ) /, an optional (0)), national with a
-- trunk 0 (07700 900123, 020 7946 0958), North American ((555) 123-4567, 555.123.4567,
-- 5551234567), and bare runs of 11 to 15 digits. Not phones, on purpose: ISO dates and times,
-- compact timestamps (19.. / 20..), epoch seconds and milliseconds (they start with 1), runs
-- of 9 or 10 digits that fit no national pattern, prices.
create or replace temp macro jm_email_pattern() as
    '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}';
create or replace temp macro jm_ipv4_pattern() as '\b[0-9]{1,3}(\.[0-9]{1,3}){3}\b';
create or replace temp macro jm_ipv6_pattern() as
    '(^|[^0-9A-Za-z_:])(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}'
        || '|[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?'
        || '|::[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})';
create or replace temp macro jm_phone_pattern() as
    '(^|[^0-9A-Za-z_+])(?:(?:\+|00)[1-9](?:[ .()/-]{0,3}[0-9]){7,14}'
        || '|0[1-9](?:[ .()-]{0,2}[0-9]){7,12}'
        || '|(?:\([2-9][0-9]{2}\)|[2-9][0-9]{2})[ .-]?[0-9]{3}[ .-]?[0-9]{4})\b'
        || '|(^|[^0-9A-Za-z_+-])(?:0[0-9]|2[1-9]|[3-9][0-9])[0-9]{9,13}\b';
create or replace temp macro jm_handle_pattern() as '(^|[^A-Za-z0-9_.])@[A-Za-z0-9_.]{2,}';

create or replace temp macro jm_redact_decoded(s) as
    jm_replace_all(jm_replace_all(jm_replace_all(jm_replace_all(jm_replace_all(s,
        jm_email_pattern(), '[email]'),
        jm_ipv4_pattern(), '[ip]'),
        jm_ipv6_pattern(), '\1[ip]'),
        jm_phone_pattern(), '\1\2[phone]'),
        jm_handle_pattern(), '\1[handle]');

-- Does text s match one of jm_redact_decoded's patterns? Text that matches none is what
-- jm_redact_decoded gives back unchanged (each replacement leaves text it does not match as
-- it is), so a text that holds none (a page, a name, an id such as a UUID) needs one search
-- instead of five replacements.
create or replace temp macro jm_pii_shaped(s) as
    regexp_matches(s, '(?:' || jm_email_pattern() || ')|(?:' || jm_ipv4_pattern() || ')|(?:'
        || jm_ipv6_pattern() || ')|(?:' || jm_phone_pattern() || ')|(?:' || jm_handle_pattern()
        || ')');

-- Free text with its PII redacted (see jm_redact_decoded). Text that holds escapes is
-- scanned as it is and again once decoded, and kept decoded: no encoding of a value survives.
create or replace temp macro jm_redact(s) as
    case
        when jm_is_encoded(s) then jm_redact_decoded(jm_decode(jm_redact_decoded(s)))
        when jm_pii_shaped(s) then jm_redact_decoded(s)
        else s
    end;

-- Every element of a list of text, redacted.
create or replace temp macro jm_redact_list(xs) as list_transform(xs, lambda x: jm_redact(x));

-- The values of well-known ad click id parameters (gclid, fbclid, msclkid...) masked.
create or replace temp macro jm_mask_click_ids(s) as
    jm_replace_all(s,
        '(?i)([?&;](gclid|gbraid|wbraid|dclid|fbclid|msclkid|ttclid|twclid|li_fat_id|yclid'
            || '|igshid|epik|rdt_cid|sccid|irclickid|mc_eid|_hsenc|_openstat)=)[^&#;"\s]*',
        '\1[id]');

-- A URL or referrer already redacted (jm_redact), with the values of well-known ad click id
-- parameters masked and parameter `param_regex` (already regex-escaped: the source's click id
-- parameter) set to `param_hash`, the keyed hash of its value ('[id]' when null).
create or replace temp macro jm_mask_url_params(redacted_url, param_regex, param_hash) as
    jm_replace_all(jm_mask_click_ids(redacted_url),
        '([?&;]' || param_regex || '=)[^&#;]*', '\1' || coalesce(param_hash, '[id]'));

-- A quarantined record's text, in three steps (jm_mask_record_keys, jm_redact,
-- jm_mask_record_ids) so that a model can redact many texts in one pass. A JSON object (or
-- its start, when it was cut short; CSV and Parquet rows are kept as JSON objects too) has
-- the values of the given keys (an alternation such as 'email|cookie_id') masked whatever
-- their type (string, number, array, object), then free-text redaction. Text that is no JSON
-- object at all (a CSV row the parser could not split into fields) is redacted, then every
-- token that mixes letters and digits (the shape of an id) is masked, since its fields cannot
-- be told apart. Click ids masked in both.
create or replace temp macro jm_record_is_object(doc) as starts_with(ltrim(doc), '{');

-- Step 1, before redaction: a JSON object's PII keys masked; other text as it is.
create or replace temp macro jm_mask_record_keys(doc, keys) as
    case
        when jm_record_is_object(doc) then jm_replace_all(doc,
            '"(' || keys || ')"\s*:\s*("([^"\\]|\\.)*"?|\[[^\]]*\]?|\{[^}]*\}?|[^,}\]\s]+)',
            '"\1":"[redacted]"')
        else doc
    end;

-- Step 3, after redaction (step 2: jm_redact of step 1): ids masked in text that is no JSON
-- object, click ids in both. doc: the record as it came; redacted: its text after step 2.
create or replace temp macro jm_mask_record_ids(doc, redacted) as
    jm_mask_click_ids(case
        when jm_record_is_object(doc) then redacted
        else jm_replace_all(redacted,
            '[A-Za-z0-9_-]*([A-Za-z_][A-Za-z0-9_-]*[0-9]|[0-9][A-Za-z0-9_-]*[A-Za-z_])[A-Za-z0-9_-]*',
            '[id]')
    end);

-- An IP address truncated to its network, in CIDR form as Python's ipaddress writes it: IPv4
-- /24 ('203.0.113.0/24'), IPv6 /48 ('2001:db8:85a3::/48'), IPv4-mapped IPv6 as its IPv4 /24;
-- null when the value is no IP address. IPv4 here; anything else through jm_py_ip_network.
create or replace temp macro jm_truncate_ip(ip) as
    case
        when ip is null then null
        when regexp_matches(ip, '^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}'
                || '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$')
            then regexp_replace(ip, '\.[0-9]+$', '.0/24')
        else jm_py_ip_network(ip)
    end;

-- A phone number as an identifier: E.164 where the phonenumbers library can read it
-- (national formats read in `region`, an ISO country code, or '' for none), else its digits.
create or replace temp macro jm_phone_id(phone, region) as jm_py_phone_e164(phone, region);

-- A user agent reduced to a coarse, PII-free class: 'bot', or browser family / device class
-- such as 'chrome/mobile'. The string itself is never kept (it can carry anything).
create or replace temp macro jm_user_agent_class(ua) as
    case
        when ua is null then null
        when regexp_matches(ua, '(?i)bot|crawl|spider|slurp|headless') then 'bot'
        else
            case
                when regexp_matches(ua, 'Edg(e|A|iOS)?/') then 'edge'
                when regexp_matches(ua, 'OPR/|Opera') then 'opera'
                when regexp_matches(ua, 'SamsungBrowser/') then 'samsung'
                when regexp_matches(ua, 'Firefox/|FxiOS/') then 'firefox'
                when regexp_matches(ua, 'Chrome/|CriOS/') then 'chrome'
                when regexp_matches(ua, 'Safari/') then 'safari'
                when regexp_matches(ua, 'MSIE |Trident/') then 'ie'
                else 'other'
            end || '/' ||
            case
                when regexp_matches(ua, '(?i)ipad|tablet') then 'tablet'
                when regexp_matches(ua, '(?i)mobi|iphone|android') then 'mobile'
                else 'desktop'
            end
    end;

-- A CSAT score kept only when it is a small whole number (0 to 10); anything else (text,
-- which could be anything) is dropped.
create or replace temp macro jm_csat(c) as
    case
        when try_cast(trim(c) as double) between 0 and 10
            and try_cast(trim(c) as double) = round(try_cast(trim(c) as double))
            then cast(cast(try_cast(trim(c) as double) as integer) as varchar)
    end;

-- The path part of a URL (no scheme, host, query or fragment).
create or replace temp macro jm_url_path(url) as
    regexp_extract(url, '^(?:[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*)?([^?#]*)', 1);

-- The value of query parameter `param_regex` (already regex-escaped) in a URL.
create or replace temp macro jm_url_param(url, param_regex) as
    nullif(regexp_extract(url, '[?&]' || param_regex || '=([^&#]*)', 1), '');

-- The values x of a group as a list in the order of o (an aggregate). One ordered pass
-- serves several strings built from the same sequence (jm_join_head). On Spark:
-- transform(array_sort(collect_list(struct(o, x))), s -> s.x).
create or replace temp macro jm_ordered_list(x, o) as list(x order by o);

-- Whether list xs holds x. On Spark: array_contains(xs, x).
create or replace temp macro jm_list_has(xs, x) as list_contains(xs, x);

-- The distinct non-null values of list xs, sorted. On Spark: array_sort(array_distinct(
-- filter(xs, x -> x is not null))).
create or replace temp macro jm_distinct_sorted(xs) as list_sort(list_distinct(xs));

-- The first n values of list xs joined with sep; null when n is 0 (as string_agg of no
-- rows). On Spark: array_join(slice(xs, 1, n), sep).
create or replace temp macro jm_join_head(xs, n, sep) as
    case when n > 0 then array_to_string(xs[1:n], sep) end;

-- Seconds from timestamp a to timestamp b (b later: positive).
create or replace temp macro jm_seconds_between(a, b) as epoch(b) - epoch(a);

-- Wilson score 95% interval of k successes out of n (null when n = 0). Plain arithmetic:
-- portable as it is. Kept within [0, 1]: at k = 0 or k = n rounding lands just outside.
create or replace temp macro jm_wilson_low(k, n) as
    case when n > 0 then greatest(0.0,
        ((k / n) + 1.96 * 1.96 / (2 * n)
            - 1.96 * sqrt((k / n) * (1 - k / n) / n + 1.96 * 1.96 / (4 * n * n)))
        / (1 + 1.96 * 1.96 / n))
    end;

create or replace temp macro jm_wilson_high(k, n) as
    case when n > 0 then least(1.0,
        ((k / n) + 1.96 * 1.96 / (2 * n)
            + 1.96 * sqrt((k / n) * (1 - k / n) / n + 1.96 * 1.96 / (4 * n * n)))
        / (1 + 1.96 * 1.96 / n))
    end;

-- A share as text for evidence sentences: 0.1234 -> '12.3%'.
create or replace temp macro jm_pct(x) as cast(round(100 * x, 1) as varchar) || '%';

-- A share with its interval: '52.7%, 95% CI 47.7-57.6%'.
create or replace temp macro jm_pct_ci(x, low, high) as
    jm_pct(x) || ', 95% CI ' || cast(round(100 * low, 1) as varchar) || '-' || jm_pct(high);

-- The exact percentile p (0 to 1, interpolated) of x over a group: an aggregate. Spark:
-- percentile(x, p), not the percentile_approx that sqlglot makes of percentile_cont.
create or replace temp macro jm_percentile(x, p) as quantile_cont(x, p);

-- Used in place, since sqlglot transpiles it to what Spark 4.0+ has (listagg ... within group):
-- string_agg(x, sep order by y) in mine/int_journey_profiles.sql and
-- mine/int_journey_cycles.sql (Spark 3: concat_ws over a sorted collect_list).
-- tests/test_sql_portability.py holds every model to Spark this way.
