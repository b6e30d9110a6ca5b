import { useEffect, useState } from "react";

const QUERY = "(prefers-color-scheme: dark)";

/** Whether the system asks for dark colours (followed live, as the stylesheet does). */
export function usePrefersDark(): boolean {
  const [dark, setDark] = useState(() => window.matchMedia?.(QUERY).matches ?? false);
  useEffect(() => {
    const media = window.matchMedia?.(QUERY);
    if (!media) return;
    const onChange = () => setDark(media.matches);
    media.addEventListener("change", onChange);
    return () => media.removeEventListener("change", onChange);
  }, []);
  return dark;
}
