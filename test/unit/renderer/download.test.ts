import { afterEach, describe, expect, it, vi } from 'vitest';
import { downloadDataUrl, downloadText } from '../../../renderer/src/lib/download.ts';

/** Just enough of a document to see what the helper clicks. */
function fakeDocument() {
  const clicked: { href: string; download: string; attached: boolean }[] = [];
  let attached = false;
  const doc = {
    createElement: () => {
      const link = {
        href: '',
        download: '',
        rel: '',
        style: { display: '' },
        click: () => clicked.push({ href: link.href, download: link.download, attached }),
        remove: () => void (attached = false),
      };
      return link as unknown as HTMLAnchorElement;
    },
    body: { append: () => void (attached = true) },
  };
  return { doc, clicked, isAttached: () => attached };
}

afterEach(() => vi.useRealTimers());

describe('saving files (download.ts)', () => {
  it('clicks a temporary link to a data URL and removes it', () => {
    const { doc, clicked, isAttached } = fakeDocument();
    downloadDataUrl('data:image/png;base64,AAAA', 'chart.png', doc);
    expect(clicked).toEqual([{ href: 'data:image/png;base64,AAAA', download: 'chart.png', attached: true }]);
    expect(isAttached()).toBe(false);
  });

  it('saves text through a blob URL that is revoked afterwards', async () => {
    vi.useFakeTimers();
    const { doc, clicked } = fakeDocument();
    const revoked: string[] = [];
    const create = vi.spyOn(URL, 'createObjectURL');
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation((url) => void revoked.push(url));
    downloadText('a,b\n1,2\n', 'points.csv', 'text/csv', doc);
    const blob = create.mock.calls[0][0] as Blob;
    expect(blob.type).toBe('text/csv;charset=utf-8');
    expect(await blob.text()).toBe('a,b\n1,2\n');
    expect(clicked[0].download).toBe('points.csv');
    expect(clicked[0].href).toMatch(/^blob:/);
    expect(revoked).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(revoked).toEqual([clicked[0].href]);
    create.mockRestore();
    revoke.mockRestore();
  });
});
