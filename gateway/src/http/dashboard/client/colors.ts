/** The page's palette (the CSS variables of page.ts), for what is drawn on canvas or set from script. */
export const COLORS = {
  accent: '#4fb3ff',
  green: '#3ecf8e',
  amber: '#f5b942',
  red: '#ff6b6b',
  violet: '#b48cff',
  grid: '#263241',
  muted: '#8a99a8',
} as const;
