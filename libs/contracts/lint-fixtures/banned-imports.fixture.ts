// Lint fixture (never built or run): contracts must stay framework-free, so each import below
// must be reported by @nx/enforce-module-boundaries. Checked by tools/lint/module-boundaries.spec.ts.
import { Injectable } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';

export const banned = [Injectable, Kafka, DataSource];
