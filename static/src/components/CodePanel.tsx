import { Highlight, themes } from "prism-react-renderer";
import { useState } from "react";
import { usePrefersDark } from "../hooks/usePrefersDark";
import { TabButton } from "./TabButton";

interface Props {
  files: Record<string, string> | null;
  pending: boolean;
  onDownload: () => void;
}

const ORDER = [
  "model.py",
  "train.py",
  "data.py",
  "predict.py",
  "export.py",
  "notebook.ipynb",
  "README.md",
  "requirements.txt",
];

function language(name: string): string {
  if (name.endsWith(".py")) return "python";
  if (name.endsWith(".md")) return "markdown";
  if (name.endsWith(".json") || name.endsWith(".ipynb")) return "json";
  return "text";
}

function sorted(names: string[]): string[] {
  const rank = (n: string) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** The generated project, file by file, highlighted; copy a file or download the zip. */
export function CodePanel({ files, pending, onDownload }: Props) {
  const [chosen, setChosen] = useState("model.py");
  const [copied, setCopied] = useState(false);
  const dark = usePrefersDark();
  if (!files) {
    return (
      <section className="panel-section code-panel" aria-label="Code">
        <p className="muted">
          {pending ? "Generating…" : "The code appears when the model has no problems."}
        </p>
      </section>
    );
  }
  const names = sorted(Object.keys(files));
  const name = names.includes(chosen) ? chosen : names[0];
  const text = files[name] ?? "";
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <section className="panel-section code-panel" aria-label="Code">
      <div className="code-tabs" role="tablist" aria-label="Generated files">
        {names.map((n) => (
          <TabButton key={n} selected={n === name} onSelect={() => setChosen(n)}>
            {n}
          </TabButton>
        ))}
      </div>
      <div className="code-actions">
        <button type="button" onClick={copy}>
          {copied ? "Copied" : `Copy ${name}`}
        </button>
        <button type="button" className="primary" onClick={onDownload}>
          Download project (.zip)
        </button>
        {pending && <span className="muted">updating…</span>}
      </div>
      <Highlight theme={dark ? themes.vsDark : themes.github} code={text.replace(/\n$/, "")} language={language(name)}>
        {({ className, style, tokens, getLineProps, getTokenProps }) => (
          <pre className={`code ${className}`} style={style} data-testid="code" data-file={name} tabIndex={0}>
            {tokens.map((line, i) => (
              <div key={i} {...getLineProps({ line })}>
                <span className="line-number" aria-hidden="true">
                  {i + 1}
                </span>
                {line.map((token, key) => (
                  <span key={key} {...getTokenProps({ token })} />
                ))}
              </div>
            ))}
          </pre>
        )}
      </Highlight>
    </section>
  );
}
