import type { ExampleInfo } from "../lib/types";

interface Props {
  examples: ExampleInfo[];
  onExample: (name: string) => void;
}

/** What an empty canvas shows: how to start, and a few examples to start from. */
export function Welcome({ examples, onExample }: Props) {
  return (
    <section className="welcome" aria-labelledby="welcome-title" data-testid="welcome">
      <h2 id="welcome-title">Build a PyTorch model</h2>
      <ol>
        <li>Drag a block from the palette onto the canvas, or press <kbd>/</kbd>, type its name and <kbd>Enter</kbd>.</li>
        <li>Drop the next block just under it to stack it; drag from a block's round handle to another block to wire a branch.</li>
        <li>Pick the data and training in the Training tab, then Download the project.</li>
      </ol>
      {examples.length > 0 && (
        <>
          <p>Or start from an example:</p>
          <div className="welcome-examples">
            {examples.slice(0, 4).map((x) => (
              <button key={x.name} type="button" title={x.description} onClick={() => onExample(x.name)}>
                {x.title}
              </button>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
