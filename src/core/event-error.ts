/** Errors of the event stream's pull API (DESIGN §9). `message` is safe to show. */
export type EventErrorCode = 'event_cursor_unknown'

export class EventError extends Error {
  override name = 'EventError'
  constructor(
    readonly code: EventErrorCode,
    message: string,
    readonly detail?: string,
  ) {
    super(message)
  }
}
