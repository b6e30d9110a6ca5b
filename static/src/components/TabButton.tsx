import type { ReactNode } from "react";

interface Props {
  selected: boolean;
  onSelect: () => void;
  children: ReactNode;
}

/** One tab of a tab list: the side panel's, the code panel's files. */
export function TabButton({ selected, onSelect, children }: Props) {
  return (
    <button type="button" role="tab" aria-selected={selected} className={selected ? "active" : ""} onClick={onSelect}>
      {children}
    </button>
  );
}
