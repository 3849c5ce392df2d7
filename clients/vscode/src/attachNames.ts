// Names of pasted and dropped files before they go to codex.attach (pure: no vscode import).

const IMAGE_EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
  'image/bmp': 'bmp',
};

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/**
 * The name a file from the clipboard or a drop gets when it has no path on disk: its own name
 * when it has a real one, else Obsidian's `Pasted image YYYYMMDDHHMMSS.png` for an image (a
 * browser names every clipboard image `image.png`), else `Pasted file YYYYMMDDHHMMSS`.
 */
export function pastedName(name: string, mime: string, now: Date): string {
  const stamp =
    `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}` +
    `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  const base = name.replace(/^.*[\\/]/, '').trim();
  const extension = IMAGE_EXTENSIONS[mime];
  if (extension && (base === '' || /^image\.[a-z]+$/i.test(base))) return `Pasted image ${stamp}.${extension}`;
  if (base === '') return `Pasted file ${stamp}`;
  return base;
}

/** The shape of codex.attach's answer (docs/protocol.md). */
export interface AttachResult {
  attached: { source: string; path: string; uri: string; link: string; reused: boolean; sidecar: string | null }[];
  text: string;
  applied: boolean;
}
