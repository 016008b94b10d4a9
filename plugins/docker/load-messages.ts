import type { Readable } from 'node:stream';

/** What `docker load` reported: the tags and ids it loaded, or the error it met. */
export interface LoadMessages {
  references: string[];
  ids: string[];
  error?: string;
}

/**
 * Read the engine's JSON message stream of a load (`{"stream":"Loaded image: x:1\n"}`,
 * `{"stream":"Loaded image ID: sha256:…\n"}`, or `{"error":"…"}`).
 */
export async function readLoadMessages(response: Readable): Promise<LoadMessages> {
  const result: LoadMessages = { references: [], ids: [] };
  let text = '';
  for await (const chunk of response) text += chunk.toString();
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    let message: { stream?: string; error?: string; errorDetail?: { message?: string } };
    try {
      message = JSON.parse(line);
    } catch {
      continue;
    }
    if (message.error) result.error = message.errorDetail?.message ?? message.error;
    const stream = message.stream?.trim() ?? '';
    const tagged = /^Loaded image: (.+)$/.exec(stream);
    if (tagged) result.references.push(tagged[1]!);
    const untagged = /^Loaded image ID: (sha256:[0-9a-f]+)$/.exec(stream);
    if (untagged) result.ids.push(untagged[1]!);
  }
  return result;
}
