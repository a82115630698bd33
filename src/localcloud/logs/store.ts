import type { LogEvent } from '../contracts.js';
import type { SqliteDatabase } from '../store/database.js';
import { migrate } from '../store/database.js';

/** A log group row. */
export interface LogGroupRecord {
  region: string;
  name: string;
  creationTimeMs: number;
  storedBytes: number;
}

/** A log stream row with the times of its first and last events. */
export interface LogStreamRecord {
  region: string;
  groupName: string;
  name: string;
  creationTimeMs: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  storedBytes: number;
}

/** A stored event; `id` orders events ingested at the same timestamp. */
export interface StoredLogEvent {
  id: number;
  streamName: string;
  timestamp: number;
  ingestionTime: number;
  message: string;
}

/** A selection of events. Times are epoch milliseconds, and `endTime` is exclusive. */
export interface EventQuery {
  region: string;
  groupName: string;
  streamNames?: string[];
  streamNamePrefix?: string;
  startTime?: number;
  endTime?: number;
  /** Return events after this (timestamp, id) position, in ascending order. */
  after?: { timestamp: number; id: number };
  /** Return events before this position, newest first. */
  before?: { timestamp: number; id: number };
  descending?: boolean;
  limit: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS logs_groups (
     region TEXT NOT NULL, name TEXT NOT NULL, creation_time INTEGER NOT NULL,
     PRIMARY KEY (region, name))`,
  `CREATE TABLE IF NOT EXISTS logs_streams (
     region TEXT NOT NULL, group_name TEXT NOT NULL, name TEXT NOT NULL, creation_time INTEGER NOT NULL,
     PRIMARY KEY (region, group_name, name),
     FOREIGN KEY (region, group_name) REFERENCES logs_groups (region, name) ON DELETE CASCADE)`,
  `CREATE TABLE IF NOT EXISTS logs_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT, region TEXT NOT NULL, group_name TEXT NOT NULL,
     stream_name TEXT NOT NULL, timestamp INTEGER NOT NULL, ingestion_time INTEGER NOT NULL, message TEXT NOT NULL,
     FOREIGN KEY (region, group_name, stream_name) REFERENCES logs_streams (region, group_name, name) ON DELETE CASCADE)`,
  'CREATE INDEX IF NOT EXISTS logs_events_by_time ON logs_events (region, group_name, timestamp, id)',
  'CREATE INDEX IF NOT EXISTS logs_events_by_stream ON logs_events (region, group_name, stream_name, timestamp, id)',
];

/** The CloudWatch Logs provider's tables: groups, streams and events. */
export class LogsStore {
  constructor(private readonly db: SqliteDatabase) {
    migrate(db, SCHEMA);
  }

  /** Creates the group when missing; returns false when it existed. */
  createGroup(region: string, name: string, nowMs: number): boolean {
    const result = this.db.prepare('INSERT OR IGNORE INTO logs_groups (region, name, creation_time) VALUES (?, ?, ?)').run(region, name, nowMs);
    return result.changes > 0;
  }

  /** Creates the stream when missing; returns false when it existed. */
  createStream(region: string, groupName: string, name: string, nowMs: number): boolean {
    const result = this.db
      .prepare('INSERT OR IGNORE INTO logs_streams (region, group_name, name, creation_time) VALUES (?, ?, ?, ?)')
      .run(region, groupName, name, nowMs);
    return result.changes > 0;
  }

  deleteGroup(region: string, name: string): boolean {
    return this.db.prepare('DELETE FROM logs_groups WHERE region = ? AND name = ?').run(region, name).changes > 0;
  }

  getGroup(region: string, name: string): LogGroupRecord | undefined {
    const row = this.db
      .prepare(
        `SELECT g.name, g.creation_time,
           (SELECT COALESCE(SUM(LENGTH(message)), 0) FROM logs_events e WHERE e.region = g.region AND e.group_name = g.name) AS stored
         FROM logs_groups g WHERE g.region = ? AND g.name = ?`,
      )
      .get(region, name) as { name: string; creation_time: number; stored: number } | undefined;
    return row && { region, name: row.name, creationTimeMs: row.creation_time, storedBytes: row.stored };
  }

  /** Lists up to `limit` groups whose names start with `prefix`, in name order, after `afterName`. */
  listGroups(region: string, prefix: string, afterName: string, limit: number): LogGroupRecord[] {
    const rows = this.db
      .prepare('SELECT name FROM logs_groups WHERE region = ? AND substr(name, 1, ?) = ? AND name > ? ORDER BY name LIMIT ?')
      .all(region, prefix.length, prefix, afterName, limit) as { name: string }[];
    return rows.map((row) => this.getGroup(region, row.name)!);
  }

  hasGroup(region: string, name: string): boolean {
    return this.db.prepare('SELECT 1 FROM logs_groups WHERE region = ? AND name = ?').get(region, name) !== undefined;
  }

  hasStream(region: string, groupName: string, name: string): boolean {
    return this.db.prepare('SELECT 1 FROM logs_streams WHERE region = ? AND group_name = ? AND name = ?').get(region, groupName, name) !== undefined;
  }

  listStreams(region: string, groupName: string): LogStreamRecord[] {
    const rows = this.db
      .prepare(
        `SELECT s.name, s.creation_time, MIN(e.timestamp) AS first_event, MAX(e.timestamp) AS last_event,
           MAX(e.ingestion_time) AS last_ingestion, COALESCE(SUM(LENGTH(e.message)), 0) AS stored
         FROM logs_streams s
         LEFT JOIN logs_events e ON e.region = s.region AND e.group_name = s.group_name AND e.stream_name = s.name
         WHERE s.region = ? AND s.group_name = ?
         GROUP BY s.name, s.creation_time ORDER BY s.name`,
      )
      .all(region, groupName) as {
      name: string;
      creation_time: number;
      first_event: number | null;
      last_event: number | null;
      last_ingestion: number | null;
      stored: number;
    }[];
    return rows.map((row) => ({
      region,
      groupName,
      name: row.name,
      creationTimeMs: row.creation_time,
      firstEventTimestamp: row.first_event ?? undefined,
      lastEventTimestamp: row.last_event ?? undefined,
      lastIngestionTime: row.last_ingestion ?? undefined,
      storedBytes: row.stored,
    }));
  }

  /** Appends events to an existing stream in one transaction. */
  appendEvents(region: string, groupName: string, streamName: string, events: LogEvent[], ingestionTimeMs: number): void {
    const insert = this.db.prepare(
      'INSERT INTO logs_events (region, group_name, stream_name, timestamp, ingestion_time, message) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const event of events) insert.run(region, groupName, streamName, event.timestamp, ingestionTimeMs, event.message);
    })();
  }

  /** Events of a group, or of some of its streams, in time order (or reverse), paged by position. */
  queryEvents(query: EventQuery): StoredLogEvent[] {
    const conditions = ['region = ?', 'group_name = ?'];
    const parameters: (string | number)[] = [query.region, query.groupName];

    if (query.streamNames && query.streamNames.length > 0) {
      conditions.push(`stream_name IN (${query.streamNames.map(() => '?').join(', ')})`);
      parameters.push(...query.streamNames);
    }
    if (query.streamNamePrefix) {
      conditions.push('substr(stream_name, 1, ?) = ?');
      parameters.push(query.streamNamePrefix.length, query.streamNamePrefix);
    }
    if (query.startTime !== undefined) {
      conditions.push('timestamp >= ?');
      parameters.push(query.startTime);
    }
    if (query.endTime !== undefined) {
      conditions.push('timestamp < ?');
      parameters.push(query.endTime);
    }
    if (query.after) {
      conditions.push('(timestamp > ? OR (timestamp = ? AND id > ?))');
      parameters.push(query.after.timestamp, query.after.timestamp, query.after.id);
    }
    if (query.before) {
      conditions.push('(timestamp < ? OR (timestamp = ? AND id < ?))');
      parameters.push(query.before.timestamp, query.before.timestamp, query.before.id);
    }

    const order = query.descending ? 'DESC' : 'ASC';
    const rows = this.db
      .prepare(
        `SELECT id, stream_name, timestamp, ingestion_time, message FROM logs_events
         WHERE ${conditions.join(' AND ')} ORDER BY timestamp ${order}, id ${order} LIMIT ?`,
      )
      .all(...parameters, query.limit) as { id: number; stream_name: string; timestamp: number; ingestion_time: number; message: string }[];
    return rows.map((row) => ({
      id: row.id,
      streamName: row.stream_name,
      timestamp: row.timestamp,
      ingestionTime: row.ingestion_time,
      message: row.message,
    }));
  }
}
