import type { ReactNode } from "react";
import type { Problem } from "../lib/types";
import { ProblemList } from "./ProblemList";
import { TabButton } from "./TabButton";

export type Tab = "block" | "training" | "code" | "run";
const TABS: [Tab, string][] = [
  ["block", "Block"],
  ["training", "Training"],
  ["code", "Code"],
  ["run", "Run"],
];

interface Props {
  tab: Tab;
  onTab: (tab: Tab) => void;
  /** Problems of the training settings and the input, counted on their tab. */
  trainingProblems: number;
  /** Problems of the whole model (not of one block), above every tab. */
  problems: Problem[];
  onClose: () => void;
  children: ReactNode;
}

/** The side panel: the selected block, the training settings, the generated code or runs. */
export function SidePanel({ tab, onTab, trainingProblems, problems, onClose, children }: Props) {
  return (
    <aside className="side" aria-label="Panels">
      <div className="tabs" role="tablist">
        {TABS.map(([t, label]) => (
          <TabButton key={t} selected={tab === t} onSelect={() => onTab(t)}>
            {label}
            {t === "training" && trainingProblems > 0 && <span className="badge">{trainingProblems}</span>}
          </TabButton>
        ))}
        <button type="button" className="panel-closer" onClick={onClose} aria-label="Hide the side panel" title="Hide the side panel">
          ›
        </button>
      </div>
      <ProblemList problems={problems} title="Model problems" />
      <div className="tab-body" role="tabpanel">
        {children}
      </div>
    </aside>
  );
}
