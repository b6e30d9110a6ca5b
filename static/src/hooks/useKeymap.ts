import { useEffect, useRef } from "react";

/**
 * A keyboard command. `keys` are combinations such as `mod+z` (Ctrl, or Cmd on a Mac),
 * `shift+l`, `delete` or `?`; the first one is shown in the help. Commands run only when
 * focus is not in a text field and no dialog is open, unless `anywhere` is set.
 */
export interface KeyCommand {
  keys: string[];
  what: string;
  run?: () => void;
  anywhere?: boolean;
}

function isTyping(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  if (!element) return false;
  return element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName);
}

/** The combination of a key event, in the notation of `KeyCommand.keys`. */
export function comboOf(event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "shiftKey" | "altKey">): string {
  const key = event.key.toLowerCase();
  const parts: string[] = [];
  if (event.ctrlKey || event.metaKey) parts.push("mod");
  if (event.altKey) parts.push("alt");
  // Shift is part of a letter's or a named key's combination, not of `?` or `/`.
  if (event.shiftKey && (key.length > 1 || /[a-z0-9]/.test(key))) parts.push("shift");
  parts.push(key);
  return parts.join("+");
}

/** Run the command whose combination was pressed. `blocked` (a dialog is open) stops most. */
export function useKeymap(commands: KeyCommand[], blocked: boolean): void {
  const current = useRef({ commands, blocked });
  current.current = { commands, blocked };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const combo = comboOf(event);
      const command = current.current.commands.find((c) => c.run && c.keys.includes(combo));
      if (!command) return;
      if (!command.anywhere && (current.current.blocked || isTyping(event.target))) return;
      event.preventDefault();
      command.run!();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
