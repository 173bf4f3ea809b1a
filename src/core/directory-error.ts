/** Errors of directory sync management (DESIGN §8). `message` is safe to show. */
export type DirectoryErrorCode =
  'directory_not_found' | 'directory_exists' | 'directory_disabled' | 'directory_token_limit_reached' | 'directory_token_not_found'

export class DirectoryError extends Error {
  override name = 'DirectoryError'
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
    readonly detail?: string,
  ) {
    super(message)
  }
}
