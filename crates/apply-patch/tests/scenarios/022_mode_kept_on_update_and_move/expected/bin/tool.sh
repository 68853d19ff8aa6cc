#!/bin/sh
echo T
