@echo off
rem Set up ClanStats (.venv with pinned packages, .env, rules.yaml). Hands over to Python at once.
rem Usage: setup.bat [--dev]
setlocal
cd /d "%~dp0"
set "PY="
where py >nul 2>nul && set "PY=py -3"
if not defined PY where python >nul 2>nul && set "PY=python"
if not defined PY goto :nopython
%PY% scripts\bootstrap.py %*
set "CODE=%ERRORLEVEL%"
goto :done
:nopython
echo setup: Python 3.11 or newer is needed: install it from https://www.python.org/downloads/
set "CODE=2"
:done
rem Pause only when double-clicked, so the window stays readable; never when called or scheduled.
if defined CLANSTATS_NO_PAUSE goto :end
if not defined SESSIONNAME goto :end
echo %CMDCMDLINE% | findstr /i /c:"%~nx0" >nul || goto :end
pause
:end
exit /b %CODE%
