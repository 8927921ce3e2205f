// The child process of exportModelInChild (exportProcess.ts): receives one ExportRequest over
// IPC, rebuilds the run's model, exports it, sends the file back and exits. Engine code loads
// here, never in the app's main process.
import { openLabDatabase } from '../store/labDatabase.ts';
import type { ExportReply, ExportRequest } from './exportProcess.ts';
import { exportRunModel } from './exportRunModel.ts';
import { loadRunModel } from './runModel.ts';

process.once('message', (request: ExportRequest) => {
  let reply: ExportReply;
  try {
    const lab = openLabDatabase(request.dbPath);
    try {
      reply = {
        ok: true,
        model: exportRunModel(loadRunModel(lab.db, request.runId), request.format, request.framework),
      };
    } finally {
      lab.close();
    }
  } catch (error) {
    reply = { ok: false, error: (error as Error).message };
  }
  process.send!(reply, () => process.disconnect());
});
