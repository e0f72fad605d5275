// The signed-in user name, kept across reloads (localStorage), as in the original "login".

import { checkUserId } from "./keys";

export const USER_KEY = "imagePipeline.userID";

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export class Session {
  constructor(private readonly store: KeyValueStore) {}

  get userID(): string | null {
    try {
      const v = this.store.getItem(USER_KEY);
      return v && checkUserId(v) === null ? v : null;
    } catch {
      return null;
    }
  }

  /** Signs in; returns an error message or null. */
  signIn(name: string): string | null {
    const err = checkUserId(name);
    if (err) return err;
    this.store.setItem(USER_KEY, name.trim());
    return null;
  }

  signOut(): void {
    this.store.removeItem(USER_KEY);
  }
}
