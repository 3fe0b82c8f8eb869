/**
 * Calls of the designer's REST API (<base>designer/api/...) with Jupyter's authentication.
 * An answer that is not OK becomes an Error naming the call and the server's message.
 */
import { ServerConnection } from '@jupyterlab/services';

import { apiUrl, errorMessage } from './logic';

export class DesignerAPI {
  constructor(readonly settings: ServerConnection.ISettings) {}

  url(parts: string[], query?: Record<string, string | number | undefined>): string {
    return apiUrl(this.settings.baseUrl, parts, query);
  }

  async request(
    method: string,
    parts: string[],
    body?: unknown,
    query?: Record<string, string | number | undefined>
  ): Promise<any> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(this.url(parts, query), init, this.settings);
    } catch (err) {
      throw new Error(`${method} designer/api/${parts.join('/')} did not reach the server: ${err}`);
    }
    const text = await response.text();
    if (!response.ok) {
      throw new Error(
        `${method} designer/api/${parts.join('/')} answered ${response.status}: ` +
          errorMessage(response.status, response.statusText, text)
      );
    }
    return text ? JSON.parse(text) : null;
  }

  get(parts: string[], query?: Record<string, string | number | undefined>): Promise<any> {
    return this.request('GET', parts, undefined, query);
  }

  /** A call outside the REST API root (the scoring routes), with Jupyter's token as well. */
  async raw(url: string, init: RequestInit): Promise<{ status: number; text: string }> {
    const response = await ServerConnection.makeRequest(url, init, this.settings);
    return { status: response.status, text: await response.text() };
  }
}
