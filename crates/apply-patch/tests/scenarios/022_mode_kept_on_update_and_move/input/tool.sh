#!/bin/sh
echo t
