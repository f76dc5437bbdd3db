/** The command queue's tables and its accept function; versioned, applied at start by migratePg. */
export const COMMAND_MIGRATIONS = [{
  name: 'commands-001-queue',
  sql: `
    CREATE TABLE command_requests (
      id BIGSERIAL PRIMARY KEY, source TEXT NOT NULL, message_id TEXT NOT NULL, correlation_id TEXT NOT NULL, verb TEXT NOT NULL,
      reply_address TEXT, protocol TEXT, typed BOOLEAN NOT NULL, rewrite JSONB NOT NULL, rejected JSONB NOT NULL,
      reply_state TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, UNIQUE (source, message_id)
    );
    CREATE INDEX command_requests_waiting ON command_requests (id) WHERE reply_state = 'waiting';
    CREATE TABLE commands (
      seq BIGSERIAL PRIMARY KEY, command_id TEXT NOT NULL UNIQUE, command_key TEXT NOT NULL UNIQUE,
      meter TEXT NOT NULL, device_label TEXT NOT NULL, kind TEXT NOT NULL, control_type TEXT NOT NULL, control_mrid TEXT,
      source TEXT NOT NULL, params JSONB NOT NULL, priority INTEGER NOT NULL, not_before TIMESTAMPTZ, not_after TIMESTAMPTZ, reason TEXT,
      state TEXT NOT NULL CHECK (state IN ('accepted', 'queued', 'sent', 'succeeded', 'failed', 'expired', 'canceled', 'dead')),
      attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TIMESTAMPTZ NOT NULL, lease_until TIMESTAMPTZ NOT NULL DEFAULT 'epoch',
      detail TEXT, result_values JSONB, confirmed_by TEXT, confirmed_at TIMESTAMPTZ, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL
    );
    -- Partial: the "older open command of this meter?" probe of every lease must not walk a meter's whole history.
    CREATE INDEX commands_meter_open ON commands (meter, seq) WHERE state IN ('accepted', 'queued', 'sent');
    CREATE INDEX commands_meter ON commands (meter, seq);
    CREATE INDEX commands_dispatch ON commands (priority DESC, seq) WHERE state IN ('queued', 'sent');
    CREATE INDEX commands_waiting ON commands (not_before) WHERE state = 'accepted';
    CREATE INDEX commands_window ON commands (not_after) WHERE state IN ('accepted', 'queued') AND not_after IS NOT NULL;
    CREATE INDEX commands_control ON commands (source, control_mrid);
    CREATE TABLE command_request_items (
      request_id BIGINT NOT NULL REFERENCES command_requests (id), position INTEGER NOT NULL, command_id TEXT NOT NULL,
      PRIMARY KEY (request_id, position)
    );
    CREATE INDEX command_request_items_command ON command_request_items (command_id);
    -- One row per meter that ever had a command: accept locks its meters' rows until commit, so two
    -- instances accepting for one meter commit in seq order (see accept).
    CREATE TABLE command_meters (meter TEXT PRIMARY KEY);
  `,
}, {
  // accept's statements, unchanged and in the same order, run server-side: one round trip (and its
  // autocommit) instead of BEGIN, three statements and COMMIT, each of which costs this process an
  // event-loop turn while it holds a pooled connection (docs/benchmarks.md, "Cluster profile").
  // VOLATILE: in READ COMMITTED each statement takes a fresh snapshot, exactly as the separate
  // statements of one transaction did — the items statement sees the commands inserted (or committed
  // by a concurrent accept of the same key) before it, and the lookup of an existing request sees the
  // request whose key we waited on.
  name: 'commands-002-accept-function',
  sql: `
    CREATE FUNCTION command_accept(
      p_source TEXT, p_message_id TEXT, p_correlation_id TEXT, p_verb TEXT, p_reply_address TEXT, p_protocol TEXT, p_typed BOOLEAN,
      p_rewrite JSONB, p_rejected JSONB, p_reply_state TEXT, p_now TIMESTAMPTZ, p_meters TEXT[],
      p_command_id TEXT[], p_command_key TEXT[], p_device_label TEXT[], p_kind TEXT[], p_control_type TEXT[], p_control_mrid TEXT[],
      p_command_source TEXT[], p_params JSONB[], p_priority INTEGER[], p_not_before TIMESTAMPTZ[], p_not_after TIMESTAMPTZ[], p_reason TEXT[]
    ) RETURNS JSONB LANGUAGE plpgsql VOLATILE AS $fn$
    DECLARE
      req command_requests;
      created BOOLEAN := true;
    BEGIN
      -- The request and its meters' locks (see accept in command-queue.postgres.ts for why).
      WITH r AS (
        INSERT INTO command_requests (source, message_id, correlation_id, verb, reply_address, protocol, typed, rewrite, rejected, reply_state, created_at)
        VALUES (p_source, p_message_id, p_correlation_id, p_verb, p_reply_address, p_protocol, p_typed, p_rewrite, p_rejected, p_reply_state, p_now)
        ON CONFLICT (source, message_id) DO NOTHING RETURNING *),
      locked AS (
        INSERT INTO command_meters (meter) SELECT m FROM unnest(p_meters) AS m WHERE EXISTS (SELECT 1 FROM r) GROUP BY m ORDER BY m COLLATE "C"
        ON CONFLICT (meter) DO UPDATE SET meter = EXCLUDED.meter WHERE false)
      SELECT * INTO req FROM r;
      IF req.id IS NULL THEN
        created := false;
        SELECT * INTO req FROM command_requests WHERE source = p_source AND message_id = p_message_id;
        IF req.id IS NULL THEN
          RAISE EXCEPTION 'command request %/% vanished during accept', p_source, p_message_id;
        END IF;
      ELSIF cardinality(p_command_key) > 0 THEN
        -- A command key seen before (the same control re-sent without MessageID) joins this request as it is.
        INSERT INTO commands (command_id, command_key, meter, device_label, kind, control_type, control_mrid, source, params,
          priority, not_before, not_after, reason, state, next_attempt_at, created_at, updated_at)
        SELECT x.command_id, x.command_key, x.meter, x.device_label, x.kind, x.control_type, x.control_mrid, x.source, x.params,
          x.priority, x.not_before, x.not_after, x.reason, 'accepted', COALESCE(x.not_before, p_now), p_now, p_now
        FROM unnest(p_command_id, p_command_key, p_meters, p_device_label, p_kind, p_control_type, p_control_mrid, p_command_source, p_params,
          p_priority, p_not_before, p_not_after, p_reason) WITH ORDINALITY
          AS x(command_id, command_key, meter, device_label, kind, control_type, control_mrid, source, params, priority, not_before, not_after, reason, ord)
        ORDER BY x.ord
        ON CONFLICT DO NOTHING;
        INSERT INTO command_request_items (request_id, position, command_id)
        SELECT req.id, k.ord - 1, c.command_id FROM unnest(p_command_key) WITH ORDINALITY AS k(key, ord) JOIN commands c ON c.command_key = k.key;
      END IF;
      RETURN jsonb_build_object('created', created, 'request', to_jsonb(req), 'commands', COALESCE((
        SELECT jsonb_agg(to_jsonb(c) ORDER BY i.position) FROM command_request_items i JOIN commands c ON c.command_id = i.command_id
        WHERE i.request_id = req.id), '[]'::jsonb));
    END
    $fn$;
  `,
}];
