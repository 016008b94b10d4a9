import type { Readable } from 'node:stream';

/** What a load reported: the tags and ids it loaded, or the error it met. */
export interface LoadMessages {
  references: string[];
  ids: string[];
  error?: string;
}

/**
 * Read the engine's JSON message stream of a load. Docker writes one message per image
 * (`{"stream":"Loaded image: x:1\n"}`, or `{"stream":"Loaded image ID: sha256:…\n"}` for an
 * archive that names nothing); Podman writes one for the whole archive, its names as a comma list
 * (`Loaded image: localhost/a:1,localhost/b:2`), or the id when it names nothing
 * (`Loaded image: sha256:…`). Errors come as `{"error":"…"}`.
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
    const loaded = /^Loaded image(?: ID)?: (.+)$/.exec(message.stream?.trim() ?? '');
    for (const item of loaded?.[1]!.split(',') ?? []) {
      const name = item.trim();
      if (/^sha256:[0-9a-f]{64}$/.test(name)) result.ids.push(name);
      else if (name) result.references.push(name);
    }
  }
  return result;
}
