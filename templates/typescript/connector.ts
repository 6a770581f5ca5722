{{#banner}}
// {{.}}
{{/banner}}
//
// A PowerSyncBackendConnector that uploads the device's writes without losing any: each
// CRUD transaction is sent alone, with the database's client id and its transaction id
// (the server's key for applying it exactly once), and is completed only once the server
// has answered for it. Network errors, non-2xx answers and a "retry" answer throw, so the
// SDK sends the same transaction again later.
import type {
  AbstractPowerSyncDatabase,
  PowerSyncBackendConnector,
  PowerSyncCredentials,
  UpdateType,
} from '@powersync/common';

// The tables whose writes are uploaded (local-only ones never are).
export const {{pascal}}SyncedTables = [
{{#names}}
{{^local_only}}
  {{name_ts}},
{{/local_only}}
{{/names}}
] as const;
export type {{pascal}}SyncedTable = (typeof {{pascal}}SyncedTables)[number];

// One write, as the upload body carries it: the table and column names of the spec.
export interface {{pascal}}UploadOp {
  op: UpdateType;
  table: string;
  id: string;
  data?: Record<string, unknown>;
}

// The upload body: the transactions of one device, named by its client id.
export interface {{pascal}}UploadBody {
  client_id: string;
  transactions: { op_id: string; ops: {{pascal}}UploadOp[] }[];
}

// The server's verdict on one transaction. applied: written now; duplicate: written
// before; rejected: refused for good (the errors say why); conflict: another transaction
// of this client already has that id; retry: the server could not decide now.
export type {{pascal}}UploadStatus = 'applied' | 'duplicate' | 'conflict' | 'rejected' | 'retry';
export interface {{pascal}}UploadResult {
  op_id: string;
  status: {{pascal}}UploadStatus;
  errors?: unknown[];
}

export interface {{pascal}}ConnectorOptions {
  // Where uploads go (POST, JSON), e.g. https://api.example.com/api/powersync/upload.
  uploadUrl: string;
  // The app's credentials: the sync endpoint and a JWT, which uploads send as a Bearer
  // token. null when signed out: uploads then wait.
  fetchCredentials: () => Promise<PowerSyncCredentials | null>;
  // Told of each transaction the server did not apply (rejected or conflict). Retrying
  // cannot change those answers, so the transaction is completed after this returns.
  onNotApplied?: (result: {{pascal}}UploadResult, ops: {{pascal}}UploadOp[]) => void | Promise<void>;
  // The fetch to use: the global one by default.
  fetch?: typeof fetch;
}

// Thrown when a transaction is not settled; the SDK retries it later.
export class {{pascal}}UploadError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = '{{pascal}}UploadError';
  }
}

export class {{pascal}}Connector implements PowerSyncBackendConnector {
  constructor(private readonly options: {{pascal}}ConnectorOptions) {}

  fetchCredentials(): Promise<PowerSyncCredentials | null> {
    return this.options.fetchCredentials();
  }

  async uploadData(database: AbstractPowerSyncDatabase): Promise<void> {
    const transaction = await database.getNextCrudTransaction();
    if (!transaction) return;
    const credentials = await this.options.fetchCredentials();
    if (!credentials) throw new {{pascal}}UploadError('not signed in: the upload waits');
    // A transaction's id counts up per database; ps_crud's row id stands in when the SDK
    // gives none (it always does for getNextCrudTransaction).
    const opId = String(transaction.transactionId ?? transaction.crud[0].clientId);
    const ops: {{pascal}}UploadOp[] = transaction.crud.map((entry) => ({
      op: entry.op,
      table: entry.table,
      id: entry.id,
      data: entry.opData,
    }));
    const body: {{pascal}}UploadBody = {
      client_id: await database.getClientId(),
      transactions: [{ op_id: opId, ops }],
    };
    const send = this.options.fetch ?? fetch;
    // A network error throws here: nothing is completed.
    const response = await send(this.options.uploadUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${credentials.token}`,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new {{pascal}}UploadError(
        `upload failed (${response.status}): ${text.slice(0, 200)}`,
        response.status,
      );
    }
    const result = verdict(text, opId);
    switch (result.status) {
      case 'applied':
      case 'duplicate':
        break;
      case 'rejected':
      case 'conflict':
        await this.options.onNotApplied?.(result, ops);
        break;
      case 'retry':
        throw new {{pascal}}UploadError(`the server asks to retry transaction ${opId}`, response.status);
      default:
        throw new {{pascal}}UploadError(`unknown upload status for transaction ${opId}`, response.status);
    }
    await transaction.complete();
  }
}

// The server's answer for transaction `opId`; throws when the answer has none, so that
// a transaction the server may not have seen is never completed.
function verdict(text: string, opId: string): {{pascal}}UploadResult {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new {{pascal}}UploadError(`the upload answer is not JSON: ${text.slice(0, 200)}`);
  }
  const transactions = (answer as { transactions?: unknown }).transactions;
  const found = Array.isArray(transactions)
    ? transactions.find((t: unknown) => (t as { op_id?: unknown })?.op_id === opId)
    : undefined;
  if (!found || typeof (found as { status?: unknown }).status !== 'string') {
    throw new {{pascal}}UploadError(`the upload answer has no status for transaction ${opId}`);
  }
  return found as {{pascal}}UploadResult;
}
