-- 0005 — the same rules at less cost per booking (issue #5).
--
-- The schedule-version triggers called sv_bump, an SQL function: PL/pgSQL
-- runs each `PERFORM sv_bump(...)` as a query of its own, and the SQL
-- function inside it is planned again on every call. The triggers now
-- write the bump themselves, a statement whose plan PL/pgSQL keeps for the
-- session. Same effect: one version step per changed row and user.
CREATE OR REPLACE FUNCTION sv_booking_hosts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO schedule_versions AS s VALUES (NEW.host_user_id, 1)
            ON CONFLICT (user_id) DO UPDATE SET version = s.version + 1;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO schedule_versions AS s VALUES (OLD.host_user_id, 1)
            ON CONFLICT (user_id) DO UPDATE SET version = s.version + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sv_user_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO schedule_versions AS s
        VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END, 1)
        ON CONFLICT (user_id) DO UPDATE SET version = s.version + 1;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sv_users_zone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO schedule_versions AS s VALUES (NEW.id, 1)
        ON CONFLICT (user_id) DO UPDATE SET version = s.version + 1;
    RETURN NULL;
END $$;

DROP FUNCTION sv_bump(uuid);

-- The writer locks are taken by one prepared statement of the store
-- (pg_lock_hosts in pg_util.c) instead of this PL/pgSQL function, whose
-- loop, per-row PERFORM and result set cost more than the locks.
DROP FUNCTION calendula_lock_hosts(uuid, uuid, uuid[]);
