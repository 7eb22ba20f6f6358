// Drives official socket.io-client sockets against a running ledgerbus and reports what they see.
//
// Usage: node client.mjs <base_url>
//
// Reads one JSON instruction per line on stdin and writes one JSON report per line on stdout,
// so the test that runs it decides what to do and asserts on what came back. Instructions
// (each with a `ref` that the reports answering it repeat):
//   {op: "connect", ref, client, auth}     open (or reopen) the socket named `client` with
//                                          `auth`; reports `connect` {id} or `connect_error`
//                                          {message, data}
//   {op: "emit", ref, client, event, data} emit with an acknowledgement; reports `ack` {ack}
//                                          or `ack_timeout`
//   {op: "disconnect", ref, client}        close the socket; reports `disconnect` {reason}
//   {op: "state", ref, client}             reports `state` {connected, id}
// Besides answers, every event a socket receives is reported as `event` {client, event, data},
// and every disconnect as `disconnect` {client, reason}. Closing stdin closes every socket and
// ends the process.
//
// Each socket is what a browser or React Native app makes: the websocket transport, path
// /socket.io, `auth: {token, ...}` (read again at each (re)connect), no automatic reconnection
// (the test reconnects when it wants to, so nothing happens behind its back).

import { createInterface } from "node:readline";
import { io, protocol } from "socket.io-client";

const ACK_TIMEOUT_MS = 30_000;
const baseUrl = process.argv[2];
if (!baseUrl) {
  process.stderr.write("usage: node client.mjs <base_url>\n");
  process.exit(2);
}

/** @type {Map<string, {socket: import("socket.io-client").Socket, auth: object, pending: unknown}>} */
const clients = new Map();

function report(kind, fields) {
  process.stdout.write(JSON.stringify({ kind, ...fields }) + "\n");
}

function open(name, auth) {
  const state = { socket: null, auth, pending: null };
  state.socket = io(baseUrl, {
    path: "/socket.io",
    transports: ["websocket"],
    auth: (callback) => callback(state.auth),
    reconnection: false,
    forceNew: true,
    autoConnect: false,
  });
  const socket = state.socket;
  socket.on("connect", () => {
    report("connect", { client: name, ref: state.pending, id: socket.id });
    state.pending = null;
  });
  socket.on("connect_error", (error) => {
    report("connect_error", {
      client: name,
      ref: state.pending,
      message: error.message,
      data: error.data ?? null,
    });
    state.pending = null;
  });
  socket.on("disconnect", (reason) => {
    report("disconnect", { client: name, reason });
  });
  socket.onAny((event, ...args) => {
    report("event", { client: name, event, data: args.length ? args[0] : null });
  });
  clients.set(name, state);
  return state;
}

function socketOf(name) {
  const state = clients.get(name);
  if (!state) {
    throw new Error(`no client named ${JSON.stringify(name)}`);
  }
  return state.socket;
}

async function handle(instruction) {
  const { op, ref, client } = instruction;
  switch (op) {
    case "connect": {
      const state = clients.get(client) ?? open(client, instruction.auth);
      state.auth = instruction.auth;
      state.pending = ref;
      state.socket.connect();
      return;
    }
    case "emit": {
      const socket = socketOf(client);
      try {
        const ack = await socket
          .timeout(ACK_TIMEOUT_MS)
          .emitWithAck(instruction.event, instruction.data);
        report("ack", { client, ref, ack });
      } catch (error) {
        report("ack_timeout", { client, ref, message: String(error?.message ?? error) });
      }
      return;
    }
    case "disconnect": {
      socketOf(client).disconnect();
      return;
    }
    case "state": {
      const socket = socketOf(client);
      report("state", { client, ref, connected: socket.connected, id: socket.id ?? null });
      return;
    }
    default:
      report("bad_instruction", { ref, message: `unknown op ${JSON.stringify(op)}` });
  }
}

const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on("line", (line) => {
  if (!line.trim()) {
    return;
  }
  let instruction;
  try {
    instruction = JSON.parse(line);
  } catch (error) {
    report("bad_instruction", { ref: null, message: `not JSON: ${error.message}` });
    return;
  }
  handle(instruction).catch((error) => {
    report("bad_instruction", { ref: instruction.ref ?? null, message: String(error) });
  });
});
input.on("close", () => {
  for (const { socket } of clients.values()) {
    socket.disconnect();
  }
  process.exit(0);
});

report("ready", { protocol, node: process.version });
