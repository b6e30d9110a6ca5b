import { useMemo, useState } from "react";
import { LIBRARY, MODEL_BLOCKS } from "../lib/modules";
import type { BlockDef, Catalog } from "../lib/types";

export const BLOCK_MIME = "application/x-torchcanvas-block";

interface Props {
  catalog: Catalog;
  /** Every block type: the catalog's, the library's and this model's definitions. */
  defs: Map<string, BlockDef>;
  /** How many blocks use each of this model's definitions. */
  uses: Map<string, number>;
  /** Types that cannot go here (a definition would contain itself). */
  recursive: (type: string) => boolean;
  onAdd: (type: string) => void;
  /** Remove one of this model's definitions that no block uses. */
  onRemove: (type: string) => void;
  onClose: () => void;
}

function matches(block: BlockDef, query: string): boolean {
  const q = query.trim().toLowerCase();
  return (
    !q ||
    block.type.toLowerCase().includes(q) ||
    block.category.toLowerCase().includes(q) ||
    block.doc.toLowerCase().includes(q)
  );
}

/**
 * The blocks by category: this model's own reusable blocks first, the library of common
 * ones, then the catalog's. Drag one onto the canvas, or click it (or press Enter on it, or
 * in the search box for the exact or first match) to stack it under the selection.
 */
export function Palette({ catalog, defs, uses, recursive, onAdd, onRemove, onClose }: Props) {
  const [query, setQuery] = useState("");
  const groups = useMemo(() => {
    const all = [...defs.values()];
    const names = [MODEL_BLOCKS, LIBRARY, ...catalog.categories.map((c) => c.name)];
    return names
      .map((category) => ({ category, blocks: all.filter((b) => b.category === category && matches(b, query)) }))
      .filter((g) => g.blocks.length);
  }, [catalog, defs, query]);
  const everything = groups.flatMap((g) => g.blocks);
  const exact = everything.find((b) => b.type.toLowerCase() === query.trim().toLowerCase());
  const first = exact ?? groups[0]?.blocks[0];
  return (
    <nav className="palette" aria-label="Blocks">
      <div className="palette-head">
        <input
        type="search"
        className="palette-search"
        placeholder="Search blocks  ( / )"
        aria-label="Search blocks"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && first) {
            e.preventDefault();
            onAdd(first.type);
          }
        }}
        />
        <button type="button" className="panel-closer" onClick={onClose} aria-label="Hide the block palette" title="Hide the block palette">
          ‹
        </button>
      </div>
      <div className="palette-groups">
        {groups.map(({ category, blocks }) => (
          <section key={category} className="palette-group" data-category={category}>
            <h3>{category}</h3>
            {blocks.map((block) => (
              <button
                key={block.type}
                type="button"
                className="palette-item"
                style={{ "--cat": block.colour } as React.CSSProperties}
                draggable={!recursive(block.type)}
                disabled={recursive(block.type)}
                data-block={block.type}
                title={recursive(block.type) ? "It would contain itself" : block.doc}
                onDragStart={(e) => {
                  e.dataTransfer.setData(BLOCK_MIME, block.type);
                  e.dataTransfer.effectAllowed = "copy";
                }}
                onClick={() => onAdd(block.type)}
              >
                <span className="palette-type">
                  {block.type}
                  {uses.has(block.type) && <span className="palette-uses"> · {uses.get(block.type)} used</span>}
                </span>
                <span className="palette-doc">{block.doc}</span>
              </button>
            ))}
            {category === MODEL_BLOCKS &&
              blocks
                .filter((b) => uses.get(b.type) === 0)
                .map((b) => (
                  <button key={b.type} type="button" className="link palette-remove" onClick={() => onRemove(b.type)}>
                    Remove {b.type} (unused)
                  </button>
                ))}
          </section>
        ))}
        {!groups.length && <p className="muted">No block matches “{query}”.</p>}
      </div>
    </nav>
  );
}
