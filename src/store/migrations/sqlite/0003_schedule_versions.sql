-- 0003_schedule_versions.sql — a version per host that every change to
-- what the slot engine reads about that host bumps (holds, rules,
-- overrides, schedule zone, meeting types). Slot answers may be computed
-- from cached inputs only while the versions they were read at still hold.

CREATE TABLE schedule_versions (
    user_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);

CREATE TRIGGER sv_booking_hosts_insert AFTER INSERT ON booking_hosts BEGIN
    INSERT INTO schedule_versions VALUES (NEW.host_user_id, 1)
        ON CONFLICT(user_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER sv_booking_hosts_update AFTER UPDATE ON booking_hosts BEGIN
    INSERT INTO schedule_versions VALUES (NEW.host_user_id, 1)
        ON CONFLICT(user_id) DO UPDATE SET version = version + 1;
    INSERT INTO schedule_versions VALUES (OLD.host_user_id, 1)
        ON CONFLICT(user_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER sv_booking_hosts_delete AFTER DELETE ON booking_hosts BEGIN
    INSERT INTO schedule_versions VALUES (OLD.host_user_id, 1)
        ON CONFLICT(user_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER sv_rules_insert AFTER INSERT ON availability_rules BEGIN
    INSERT INTO schedule_versions VALUES (NEW.user_id, 1)
        ON CONFLICT(user_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER sv_rules_update AFTER UPDATE ON availability_rules BEGIN
    INSERT INTO schedule_versions VALUES (NEW.user_id, 1)
        ON CONFLICT(user_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER sv_rules_delete AFTER DELETE ON availability_rules BEGIN
    INSERT INTO schedule_versions VALUES (OLD.user_id, 1)
        ON CONFLICT(user_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER sv_overrides_insert AFTER INSERT ON date_overrides BEGIN
    INSERT INTO schedule_versions VALUES (NEW.user_id, 1)
        ON CONFLICT(user_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER sv_overrides_delete AFTER DELETE ON date_overrides BEGIN
    INSERT INTO schedule_versions VALUES (OLD.user_id, 1)
        ON CONFLICT(user_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER sv_override_intervals_insert AFTER INSERT ON date_override_intervals BEGIN
    INSERT INTO schedule_versions VALUES (NEW.user_id, 1)
        ON CONFLICT(user_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER sv_users_zone AFTER UPDATE OF schedule_time_zone ON users BEGIN
    INSERT INTO schedule_versions VALUES (NEW.id, 1)
        ON CONFLICT(user_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER sv_meeting_types_update AFTER UPDATE ON meeting_types BEGIN
    INSERT INTO schedule_versions VALUES (NEW.user_id, 1)
        ON CONFLICT(user_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER sv_meeting_type_hosts_insert AFTER INSERT ON meeting_type_hosts BEGIN
    INSERT INTO schedule_versions VALUES (NEW.user_id, 1)
        ON CONFLICT(user_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER sv_meeting_type_hosts_delete AFTER DELETE ON meeting_type_hosts BEGIN
    INSERT INTO schedule_versions VALUES (OLD.user_id, 1)
        ON CONFLICT(user_id) DO UPDATE SET version = version + 1;
END;
