/** Fetch JSON for a test's own look at a server (the emulator's state as a client sees it). */
export async function fetchJson(url: string, init?: RequestInit): Promise<any> {
  const response = await fetch(url, init);
  return response.json();
}
