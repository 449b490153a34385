#!/usr/bin/env node
// RP2040 simulator runner: rp2040js with UART0 bridged to one TCP client.
//
//   node sim/rp2040/run.mjs FIRMWARE.bin [--port N] [--stats]
//
// Loads the flat image (boot2 at offset 0) into flash, starts at 0x10000000 with LR = 0 so boot2
// takes the bootrom path (sets VTOR to 0x10000100 and jumps to the reset vector), listens on
// 127.0.0.1:N (0 = ephemeral) and prints exactly one line `LISTENING <port>` on stdout.
// TCP bytes -> UART0 RX (queued, fed only while the 32-entry RX FIFO has room: rp2040js's
// feedByte drops silently otherwise); UART0 TX -> TCP.
// Exits 0 on SIGTERM/SIGINT or when the client disconnects; exits 2 with one line on stderr when
// the firmware faults (unknown instruction, bkpt/udf, HardFault, access to unmapped memory).
import fs from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { RP2040 } from 'rp2040js';

const FLASH_BASE = 0x10000000;
const SRAM_TOP = 0x20042000; // end of SCRATCH_Y: boot2 pushes LR on this stack
const CHUNK = 1000; // instructions between RX FIFO refills
const SLICE_MS = 2; // wall time per run slice before yielding to the event loop
const MAX_IDLE_WAIT_MS = 5; // while the core sleeps in wfi, wait at most this long for host input

function usage(msg) {
  process.stderr.write(`rp2040-sim: ${msg}\nusage: node run.mjs FIRMWARE.bin [--port N] [--stats]\n`);
  process.exit(64);
}

const args = process.argv.slice(2);
let imagePath = null;
let port = 0;
let stats = false;
// EAT_SIM_PC_PROFILE=PREFIX: cycles spent at each PC, written to PREFIX.<pid> at exit (scripts/pc_profile.py
// sums them per function of the firmware's ELF); a developer's tool, off unless the variable is set.
const pcProf = process.env.EAT_SIM_PC_PROFILE ? new Map() : null;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--port') {
    port = Number(args[++i]);
    if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`bad --port ${args[i]}`);
  } else if (a === '--stats') {
    stats = true;
  } else if (a.startsWith('-')) {
    usage(`unknown option ${a}`);
  } else if (imagePath === null) {
    imagePath = a;
  } else {
    usage(`unexpected argument ${a}`);
  }
}
if (imagePath === null) usage('missing FIRMWARE.bin');

let image;
try {
  image = fs.readFileSync(imagePath);
} catch (e) {
  process.stderr.write(`rp2040-sim: error: cannot read ${imagePath}: ${e.message}\n`);
  process.exit(66);
}
if (imagePath.endsWith('.elf') || imagePath.endsWith('.uf2')) {
  process.stderr.write(`rp2040-sim: error: ${imagePath}: give the flat .bin image (boot2 at offset 0)\n`);
  process.exit(65);
}

const mcu = new RP2040();
if (image.length > mcu.flash.length) {
  process.stderr.write(`rp2040-sim: error: image is ${image.length} bytes, flash is ${mcu.flash.length}\n`);
  process.exit(65);
}
const { core, clock } = mcu;
const uart = mcu.uart[0];

// ---------------------------------------------------------------------------------------------
// Faults. rp2040js never raises HardFault itself: it logs unknown instructions and bad addresses
// and carries on. Turn those into a clean exit so a crashed firmware fails fast.
let fatal = null;
function fail(msg) {
  if (fatal === null) fatal = msg;
}
const hex = (v) => '0x' + (v >>> 0).toString(16).padStart(8, '0');
const seenWarnings = new Set();
// Registers rp2040js does not model but whose effect does not matter in simulation.
const harmless = [/^UART\d$/, /^Unimplemented peripheral (write|read) (to|from) 0x34\b/]; // UARTIFLS
mcu.logger = {
  debug() {},
  info() {},
  warn(component, message) {
    if (/not implemented/.test(message)) {
      fail(`unknown instruction: ${message.replace(/^Warning: /, '')} (lockup on a real RP2040)`);
    } else if (/invalid memory address|undefined address/.test(message)) {
      fail(`bus fault: ${message} at pc=${hex(core.PC)} (HardFault on a real RP2040)`);
    } else if (harmless[0].test(component) && harmless[1].test(message)) {
      // FIFO interrupt levels: the model raises RX interrupts per byte anyway
    } else if (!/^Opcode:/.test(message) && !seenWarnings.has(message) && seenWarnings.size < 50) {
      seenWarnings.add(message);
      process.stderr.write(`rp2040-sim: warning: [${component}] ${message}\n`);
    }
  },
  error(component, message) {
    fail(`[${component}] ${message}`);
  },
};
mcu.onBreak = (code) => {
  const pc = (core.PC - core.breakRewind) >>> 0;
  const where = core.IPSR ? ` in exception ${core.IPSR}` : '';
  fail(`firmware stopped at bkpt/udf #${code} pc=${hex(pc)}${where} (unhandled exception or trap)`);
};

// ---------------------------------------------------------------------------------------------
// Boot: image at flash offset 0, start in boot2 as the bootrom would (lr = 0 selects its
// "vector into flash" exit).
mcu.flash.set(image, 0);
core.SP = SRAM_TOP;
core.LR = 0;
core.PC = FLASH_BASE;

// ---------------------------------------------------------------------------------------------
// UART bridge
let client = null;
let hadClient = false;
let txPending = []; // bytes from the firmware not yet written to the socket
const rxQueue = []; // chunks (Buffers) from the host
let rxHead = 0; // read offset into rxQueue[0]

uart.onByte = (b) => {
  txPending.push(b);
};

function flushTx() {
  if (client !== null && txPending.length) {
    client.write(Buffer.from(txPending));
    txPending = [];
  }
}

function rxQueued() {
  return rxQueue.length > 0;
}

function feedRx() {
  // Only while the firmware has the UART on, and never past a full FIFO.
  if (!rxQueue.length || !uart.enabled || !uart.rxEnabled) return;
  while (rxQueue.length && !uart.rxFIFO.full) {
    const chunk = rxQueue[0];
    uart.feedByte(chunk[rxHead++]);
    if (rxHead >= chunk.length) {
      rxQueue.shift();
      rxHead = 0;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CPU loop: run in slices of ~SLICE_MS, yielding to the event loop between slices so socket I/O
// keeps flowing. While the core sleeps in wfi with nothing to feed, stop spinning: wait for host
// bytes or (at most MAX_IDLE_WAIT_MS) for the next timer alarm, then jump virtual time to it.
let instructions = 0;
let idleTimer = null;
let runScheduled = false;
const t0 = performance.now();

function scheduleRun() {
  if (runScheduled || fatal !== null) return;
  runScheduled = true;
  if (idleTimer !== null) {
    clearTimeout(idleTimer);
    idleTimer = null;
  }
  setImmediate(runSlice);
}

function wakeIfPending() {
  // WFI must return when an interrupt is already pending; rp2040js only re-evaluates when its
  // interruptsUpdated flag is set, so a request raised just before the wfi can be missed.
  core.interruptsUpdated = true;
  if (core.checkForInterrupts()) core.waiting = false;
  return !core.waiting;
}

function runSlice() {
  runScheduled = false;
  const deadline = performance.now() + SLICE_MS;
  let n = 0;
  feedRx();
  for (;;) {
    if (core.waiting) {
      feedRx();
      if (wakeIfPending()) continue;
      flushTx();
      const dt = clock.nanosToNextAlarm;
      if (dt > 0) {
        idleTimer = setTimeout(() => {
          idleTimer = null;
          clock.tick(dt);
          scheduleRun();
        }, Math.min(dt / 1e6, MAX_IDLE_WAIT_MS));
      }
      // no alarm at all: sleep until the host sends something
      break;
    }
    // clk_sys only changes during clock bring-up: a per-chunk value is close enough there.
    // SysTick and the TIMER follow virtual time, so this keeps SysTick == CPU cycles.
    const nsPerCycle = 1e9 / mcu.clkSys;
    let i = 0;
    while (i < CHUNK) {
      const pc0 = core.PC;
      const cyc = core.executeInstruction();
      if (pcProf !== null) pcProf.set(pc0, (pcProf.get(pc0) || 0) + cyc);
      clock.tick(cyc * nsPerCycle);
      i++;
      if (core.waiting) break;
    }
    n += i;
    if (fatal !== null) break;
    if (core.IPSR === 3) {
      fail(`HardFault at pc=${hex(core.PC)}`);
      break;
    }
    if (rxQueued()) feedRx();
    if (!core.waiting && performance.now() >= deadline) {
      flushTx();
      scheduleRun();
      break;
    }
  }
  instructions += n;
  flushTx();
  if (fatal !== null) die(fatal);
}

// ---------------------------------------------------------------------------------------------
// Server and lifecycle
const server = net.createServer({ noDelay: true }, (sock) => {
  if (client !== null) {
    sock.destroy();
    return;
  }
  client = sock;
  hadClient = true;
  sock.setNoDelay(true);
  sock.on('data', (buf) => {
    rxQueue.push(buf);
    feedRx();
    scheduleRun();
  });
  sock.on('close', () => {
    client = null;
    if (hadClient) shutdown(0);
  });
  sock.on('error', () => {});
  flushTx();
});
server.on('error', (e) => {
  process.stderr.write(`rp2040-sim: error: cannot listen on 127.0.0.1:${port}: ${e.message}\n`);
  process.exit(69);
});

function printStats() {
  if (!stats) return;
  const secs = (performance.now() - t0) / 1000;
  process.stderr.write(
    `rp2040-sim: stats: ${instructions} instructions in ${secs.toFixed(3)} s wall ` +
      `(${(instructions / secs / 1e6).toFixed(1)} M instr/s while not idle-bound), ` +
      `cpu cycles ${core.cycles}, virtual ${(clock.nanos / 1e9).toFixed(3)} s\n`,
  );
}

let exiting = false;
function writePcProf() {
  if (pcProf === null) return;
  const lines = [`# image ${imagePath}`];
  for (const [pc, c] of pcProf) lines.push(`${pc.toString(16)} ${c}`);
  fs.writeFileSync(`${process.env.EAT_SIM_PC_PROFILE}.${process.pid}`, lines.join('\n') + '\n');
}
function shutdown(code) {
  writePcProf();
  if (exiting) return;
  exiting = true;
  if (idleTimer !== null) clearTimeout(idleTimer);
  printStats();
  if (client !== null) client.destroy();
  server.close();
  process.exitCode = code;
  // let pending stdout/stderr writes drain, then leave even if handles remain
  setImmediate(() => process.exit(code));
}

function die(msg) {
  process.stderr.write(`rp2040-sim: error: ${msg}\n`);
  shutdown(2);
}

process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
  scheduleRun();
});
