/**
 * An agency's rules for leaked keys and for Keep (issue 14): what a verified leak report does to the
 * key (`leakAction`: revoke it at once, the default, or only tell its admins), and whether an admin
 * may Keep a warned key (`allowKeep`, default on). Stored with the agency; absent fields mean the
 * defaults. Pure.
 */
export const LEAK_ACTIONS = ["revoke", "notify"] as const;
export type LeakAction = (typeof LEAK_ACTIONS)[number];

export interface KeyRules {
  leakAction: LeakAction;
  allowKeep: boolean;
}

export const DEFAULT_KEY_RULES: KeyRules = Object.freeze({ leakAction: "revoke", allowKeep: true });

/** An agency's effective rules: its stored fields over the defaults. */
export function keyRulesOf(agency: { keyRules?: Partial<KeyRules> | null | undefined }): KeyRules {
  return { ...DEFAULT_KEY_RULES, ...(agency.keyRules ?? {}) };
}

/** Longest reason a Keep or an admin's leak report may carry. */
export const MAX_REASON_LENGTH = 500;
