// The shapes of the Calendula HTTP API (../../shared/API.md, plus the
// server's additions in docs/api-notes.md). Field lists below are checked
// against API.md by src/api/types.test.ts, so a renamed field fails a test.

/** RFC 3339 instant; the server answers in UTC with a trailing `Z`. */
export type Instant = string;
/** `YYYY-MM-DD`. */
export type DateString = string;
/** Wall-clock `HH:MM`, `00:00`–`24:00`. */
export type WallTime = string;
/** IANA time zone name. */
export type TimeZone = string;
export type Uuid = string;

export interface ApiErrorBody {
  error: { code: string; message: string; field?: string | null };
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface User {
  id: Uuid;
  email: string;
  name: string;
  username: string;
  time_zone: TimeZone;
  role: string;
  created_at: Instant;
  updated_at: Instant;
}

export interface PublicProfile {
  id: Uuid;
  name: string;
  username: string;
  time_zone: TimeZone;
}

export interface LoginAnswer {
  token: string;
  user: User;
}

export interface SignupInput {
  email: string;
  password: string;
  name: string;
  username: string;
  time_zone: TimeZone;
}

export type MeetingKind = 'one_on_one' | 'group' | 'collective' | 'round_robin';
export type QuestionType = 'text' | 'textarea' | 'select' | 'checkbox';

export interface Question {
  id: string;
  label: string;
  type: QuestionType;
  required: boolean;
  options?: string[];
}

/** The fields everyone may see of an active meeting type. */
export interface PublicMeetingType {
  id: Uuid;
  user_id: Uuid;
  name: string;
  slug: string;
  description: string;
  kind: MeetingKind;
  duration_minutes: number;
  location: string;
  color: string;
  questions: Question[];
  seats: number;
}

/** The owner's view: every field. */
export interface MeetingType extends PublicMeetingType {
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  slot_interval_minutes: number;
  min_notice_minutes: number;
  booking_window_days: number;
  max_bookings_per_day: number | null;
  host_ids: Uuid[];
  is_active: boolean;
  created_at: Instant;
  updated_at: Instant;
}

/** What a host may send when creating or changing a meeting type. */
export type MeetingTypeInput = Omit<MeetingType, 'id' | 'user_id' | 'created_at' | 'updated_at'>;

export interface PublicUserPage extends PublicProfile {
  meeting_types: PublicMeetingType[];
}

export interface PublicMeetingTypePage extends PublicMeetingType {
  host: PublicProfile;
}

export interface AvailabilityRule {
  id?: Uuid;
  day_of_week: number; // 0 = Sunday … 6 = Saturday
  start_time: WallTime;
  end_time: WallTime;
}

export interface Schedule {
  time_zone: TimeZone;
  rules: AvailabilityRule[];
}

export interface WallInterval {
  start_time: WallTime;
  end_time: WallTime;
}

export interface Override {
  date: DateString;
  intervals: WallInterval[];
}

export interface Slot {
  start: Instant;
  end: Instant;
  local_start: string;
  seats_remaining: number;
}

export interface SlotsAnswer {
  meeting_type_id: Uuid;
  timezone: TimeZone;
  slots: Slot[];
}

export type BookingStatus = 'confirmed' | 'cancelled';
export type Answers = Record<string, string | boolean>;

export interface Booking {
  id: Uuid;
  meeting_type_id: Uuid;
  host_user_id: Uuid;
  invitee_name: string;
  invitee_email: string;
  invitee_timezone: TimeZone;
  start_time: Instant;
  end_time: Instant;
  status: BookingStatus;
  notes: string;
  answers: Answers;
  cancellation_reason: string | null;
  version: number;
  created_at: Instant;
  updated_at: Instant;
  /** Only in the 201 answer to the booking request. */
  manage_token?: string;
}

export interface BookingInput {
  meeting_type_id: Uuid;
  start_time: Instant;
  invitee_name: string;
  invitee_email: string;
  invitee_timezone: TimeZone;
  notes?: string;
  answers?: Answers;
}

export interface RescheduleInput {
  start_time: Instant;
  reason?: string;
  version?: number;
}

// Field lists as API.md writes them, for the contract test. `satisfies`
// makes the compiler reject a name that is not a field of the type.
export const USER_FIELDS = [
  'id', 'email', 'name', 'username', 'time_zone', 'role', 'created_at', 'updated_at',
] as const satisfies readonly (keyof User)[];

export const BOOKING_FIELDS = [
  'id', 'meeting_type_id', 'host_user_id', 'invitee_name', 'invitee_email', 'invitee_timezone',
  'start_time', 'end_time', 'status', 'notes', 'answers', 'cancellation_reason', 'version',
  'created_at', 'updated_at',
] as const satisfies readonly (keyof Booking)[];

export const MEETING_TYPE_FIELDS = [
  'id', 'user_id', 'name', 'slug', 'description', 'kind', 'duration_minutes',
  'buffer_before_minutes', 'buffer_after_minutes', 'slot_interval_minutes', 'min_notice_minutes',
  'booking_window_days', 'max_bookings_per_day', 'seats', 'host_ids', 'questions', 'location',
  'color', 'is_active',
] as const satisfies readonly (keyof MeetingType)[];

export const SLOT_FIELDS = [
  'start', 'end', 'local_start', 'seats_remaining',
] as const satisfies readonly (keyof Slot)[];

// And the other way round: every field of the type is in its list.
type Covers<T, L extends readonly PropertyKey[], Extra extends PropertyKey = never> =
  [Exclude<keyof T, L[number] | Extra>] extends [never] ? true : false;
export const FIELD_LISTS_COMPLETE: [
  Covers<User, typeof USER_FIELDS>,
  Covers<Booking, typeof BOOKING_FIELDS, 'manage_token'>,
  Covers<MeetingType, typeof MEETING_TYPE_FIELDS, 'created_at' | 'updated_at'>,
  Covers<Slot, typeof SLOT_FIELDS>,
] = [true, true, true, true];
