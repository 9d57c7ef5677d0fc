-- 0005_meeting_type_reminders.sql — reminder lead times per meeting type.
--
-- Minutes before the start, comma-separated and descending ("1440,60");
-- '' means no reminders; NULL means the server's CALENDULA_REMINDERS.

ALTER TABLE meeting_types ADD COLUMN reminder_minutes TEXT;
