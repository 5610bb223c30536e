/** Seat counts an admin may set (an organization's, a plan's). Its own module, so plans need not load organizations. */
export const MAX_SEATS = 1_000_000;
