import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface Series {
  label: string;
  values: (number | null)[];
  /** A second y axis (e.g. the metric or the learning rate beside the loss). */
  right?: boolean;
  dash?: boolean;
}

interface Props {
  title: string;
  /** Epochs (the x axis). */
  x: number[];
  series: Series[];
  height?: number;
  logScale?: boolean;
}

const COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d", "#4d7c0f"];
export const colour = (index: number) => COLOURS[index % COLOURS.length];

/** Curves over epochs, drawn with uPlot; it redraws in place as epochs arrive. */
export function Chart({ title, x, series, height = 180, logScale = false }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}|${s.right ? 1 : 0}|${s.dash ? 1 : 0}`).join(",");

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const right = series.some((s) => s.right);
    const options: uPlot.Options = {
      title,
      width: Math.max(element.clientWidth, 240),
      height,
      scales: { x: { time: false }, y: logScale ? { distr: 3 } : {}, ...(right ? { r: {} } : {}) },
      axes: [
        { label: "epoch", stroke: "currentColor", grid: { stroke: "rgba(128,128,128,0.2)" } },
        { stroke: "currentColor", grid: { stroke: "rgba(128,128,128,0.2)" }, size: 56 },
        ...(right ? [{ scale: "r", side: 1, stroke: "currentColor", grid: { show: false }, size: 56 }] : []),
      ],
      series: [
        { label: "epoch" },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: colour(i),
          width: 2,
          scale: s.right ? "r" : "y",
          dash: s.dash ? [6, 4] : undefined,
          points: { show: x.length < 30 },
        })),
      ],
      legend: { show: true },
    };
    plot.current = new uPlot(options, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, element);
    const resize = new ResizeObserver(() => {
      plot.current?.setSize({ width: Math.max(element.clientWidth, 240), height });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuild only when the series change; new data goes through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [title, shape, height, logScale]);

  useEffect(() => {
    plot.current?.setData([x, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [x, series]);

  return <div className="chart" ref={box} role="img" aria-label={title} data-points={x.length} />;
}
