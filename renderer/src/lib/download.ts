// Saving what the app made (a chart's PNG, a CSV) as a file: a temporary <a download> clicked
// once. Both the browser and Electron (whose main process sees it as a download) save it without
// a server round trip. The document is a parameter so the helper can be tested without a DOM.

interface DownloadDocument {
  createElement(tag: 'a'): HTMLAnchorElement;
  body: { append(node: Node): void };
}

/** Saves a URL (a data: URL such as a chart's PNG, or a blob: URL) as `fileName`. */
export function downloadDataUrl(url: string, fileName: string, doc: DownloadDocument = document): void {
  const link = doc.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.style.display = 'none';
  doc.body.append(link);
  link.click();
  link.remove();
}

/**
 * Saves text (CSV, JSON) as `fileName`. A Blob rather than a data: URL because a data: URL of a
 * few megabytes of CSV is slow to build and some browsers cap its length.
 */
export function downloadText(
  text: string,
  fileName: string,
  mimeType = 'text/plain',
  doc: DownloadDocument = document,
): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${mimeType};charset=utf-8` }));
  try {
    downloadDataUrl(url, fileName, doc);
  } finally {
    // The click has started the download by now; revoking later keeps slow browsers safe.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
