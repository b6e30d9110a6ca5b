import { useEffect, useRef } from "react";

/**
 * A native `<dialog>` shown as a modal while `open`: the browser keeps focus inside it,
 * Esc closes it (its `close` event should clear `open`), and focus returns afterwards.
 */
export function useModal(open: boolean) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return ref;
}
